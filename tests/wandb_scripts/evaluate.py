"""Evaluate the model the registry calls staging, as a W&B evaluation job does."""

import json
from pathlib import Path

import stemma as wandb

run = wandb.init(project="mnist", job_type="evaluation")
model = run.use_artifact("wandb-registry-model/mnist-classifier:staging")
params = json.loads((Path(model.download()) / "model.json").read_text())
wandb.log({"test/acc": round(1 - params["loss"], 4)})
run.summary["model"] = model.qualified_name
wandb.finish()

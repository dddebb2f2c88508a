"""Make a dataset split and log it, as a W&B script does; only `import wandb` became `import stemma as wandb`."""

import json
import random
from pathlib import Path

import stemma as wandb

run = wandb.init(project="mnist", job_type="dataset-prep", config={"seed": 7, "test_share": 0.2})
random.seed(wandb.config.seed)
rows = [[round(random.random(), 4) for _ in range(4)] for _ in range(100)]
cut = int(len(rows) * (1 - wandb.config["test_share"]))
folder = Path("data")
folder.mkdir(exist_ok=True)
(folder / "train.json").write_text(json.dumps(rows[:cut]))
(folder / "test.json").write_text(json.dumps(rows[cut:]))

split = wandb.Artifact("mnist-split", type="dataset", description="train/test split", metadata={"rows": len(rows)})
split.add_dir(str(folder))
with split.new_file("README.txt") as readme:
    readme.write(f"seed {wandb.config.seed}, {cut} train rows\n")
run.log_artifact(split, aliases=["latest"])
wandb.log({"rows": len(rows), "train_rows": cut})
wandb.finish()

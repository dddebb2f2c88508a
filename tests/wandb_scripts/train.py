"""Train on the latest split, log metrics each epoch, log the model and link it to the model registry."""

import argparse
import json
from pathlib import Path

import stemma as wandb

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.1)
parser.add_argument("--epochs", type=int, default=4)
parser.add_argument("--link", action="store_true", help="link the model into the registry as staging")
args = parser.parse_args()

with wandb.init(project="mnist", job_type="train", config=vars(args), tags=["cnn"]) as run:
    wandb.define_metric("val/loss", summary="min")
    data = run.use_artifact("mnist-split:latest", type="dataset")
    rows = json.loads((Path(data.download()) / "train.json").read_text())
    loss = 1.0
    for epoch in range(run.config.epochs):
        loss = round(1.0 / (1 + epoch * run.config.lr * len(rows) / 8), 4)
        wandb.log({"epoch": epoch, "train/loss": loss, "val/loss": round(loss * 1.1, 4)})
    wandb.summary["final_loss"] = loss
    run.tags = (*run.tags, "trained")

    Path("model.json").write_text(json.dumps({"lr": run.config.lr, "loss": loss}))
    model = wandb.Artifact("mnist-cnn", type="model", metadata={"lr": run.config.lr})
    model.add_file(local_path="model.json", name="model.json")
    run.log_artifact(model, aliases=["latest", "best"])
    if args.link:
        run.link_artifact(model, "wandb-registry-model/mnist-classifier", aliases=["staging"])

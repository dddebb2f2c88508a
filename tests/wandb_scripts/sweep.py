"""A small learning-rate sweep: several runs in one process, grouped as one sweep."""

import stemma as wandb

for lr in (0.01, 0.03, 0.1):
    run = wandb.init(project="mnist", job_type="train", group="sweep-lr", config={"lr": lr}, reinit=True)
    run.use_artifact("mnist-split:latest")
    for step in range(5):
        wandb.log({"loss": round(1.0 / (1 + lr * step), 4)})
    run.finish()

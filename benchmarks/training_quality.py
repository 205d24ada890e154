"""Quality and run time of the default training config, on the full bundled dataset.

Runs the real training pipeline (`run.py --config configs/local.yaml --no-cache`) on the
local orchestrator in a throw-away ZenML store, so it never touches your models, then
reads the figures back from the run. Last line: a JSON object of the figures.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

from review_classifier.quiet import quiet_process

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = Path(tempfile.mkdtemp(prefix="review-classifier-bench-"))
os.environ.update(
    {
        "ZENML_CONFIG_PATH": str(SCRATCH / "config"),
        "ZENML_REPOSITORY_PATH": str(SCRATCH / "repository"),
        "ZENML_CUSTOM_SOURCE_ROOT": str(ROOT),
        "ZENML_ANALYTICS_OPT_IN": "false",
    }
)
os.chdir(ROOT)
quiet_process()

from zenml.client import Client  # noqa: E402

import run  # noqa: E402
from review_classifier.names import TRAINING_PIPELINE  # noqa: E402


def seconds(step) -> float:
    return (step.end_time - step.start_time).total_seconds()


def main(config: str = "configs/local.yaml") -> None:
    (SCRATCH / "repository").mkdir(parents=True)
    Client.initialize(root=SCRATCH / "repository")
    started = time.perf_counter()
    run.main(["--config", config, "--no-cache"])
    wall = time.perf_counter() - started
    pipeline_run = Client().get_pipeline(TRAINING_PIPELINE).last_run
    metrics = pipeline_run.model_version.run_metadata["test_metrics"]
    training = pipeline_run.model_version.run_metadata["training"]
    corpus = pipeline_run.steps["preprocess"].outputs["corpus"][0].run_metadata
    print(
        json.dumps(
            {
                "config": config,
                "test_examples": metrics["n_examples"],
                "test_accuracy": round(metrics["accuracy"], 4),
                "test_roc_auc": round(metrics["roc_auc"], 4),
                "test_pr_auc": round(metrics["pr_auc"], 4),
                "majority_baseline_accuracy": round(metrics["majority_baseline_accuracy"], 4),
                "chosen_candidate": training["chosen_candidate"],
                "validation_roc_auc": round(training["validation_roc_auc"], 4),
                "preprocess_reviews_per_s": round(corpus["reviews_per_s"]),
                "train_seconds": round(seconds(pipeline_run.steps["train"]), 1),
                "pipeline_seconds": round(wall, 1),
            }
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:])

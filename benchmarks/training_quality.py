"""Quality and run time of the default training config on every dataset of benchmarks/datasets.py.

For each, runs the real training pipeline (`run.py --config CONFIG --no-cache`; the config is the
default one plus the dataset's column mapping, and the training-set size of a subsampled run) on the
local orchestrator in a throw-away ZenML store, so it never touches your models, then reads back the
model's test figures next to the best raw-text baseline's on the same split (and every baseline's),
and which candidate was chosen. A run whose model does not beat the baseline fails its quality gate;
its figures are reported all the same.
Last line: a JSON object of the figures, one entry per dataset.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import yaml

from commands.quiet import quiet_process
from commands.scratch import scratch_environment

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = scratch_environment("review-classifier-bench-")
os.chdir(ROOT)
quiet_process()

from zenml.client import Client  # noqa: E402

from benchmarks.datasets import DATASETS, BenchDataset  # noqa: E402
from commands.pipeline import run_pipeline  # noqa: E402
from review_classifier.baseline import BASELINES  # noqa: E402
from review_classifier.model import DEEP_LOGIT  # noqa: E402
from review_classifier.names import TRAINING_PIPELINE  # noqa: E402
from steps.quality_gate import QualityGateError  # noqa: E402


def seconds(step) -> float:
    return (step.end_time - step.start_time).total_seconds()


def train_on(dataset: BenchDataset) -> dict:
    """One --no-cache training run on ``dataset``; its figures."""
    config = yaml.safe_load(dataset.config.read_text())
    parameters = config.setdefault("parameters", {})
    if dataset.write is not None:
        parameters["data_uri"] = str(dataset.write(SCRATCH))
    if dataset.max_training_texts is not None:
        parameters["split_settings"] = {"max_training_texts": dataset.max_training_texts}
    path = SCRATCH / f"{dataset.name}.yaml"
    path.write_text(yaml.safe_dump(config))
    started = time.perf_counter()
    try:
        run_pipeline(path, no_cache=True)
        gate = "passed"
    except QualityGateError as error:
        gate = str(error)
    wall = time.perf_counter() - started
    pipeline_run = Client().get_pipeline(TRAINING_PIPELINE).last_run
    metadata = pipeline_run.model_version.run_metadata
    metrics, baseline, lift = metadata["test_metrics"], metadata["baseline_metrics"], metadata["lift_over_baseline"]
    training = metadata["training"]
    return {
        "dataset": dataset.name,
        "licence": dataset.licence,
        "training_texts": dataset.max_training_texts or "all",
        "test_examples": metrics["n_examples"],
        "model_accuracy": round(metrics["accuracy"], 4),
        "model_roc_auc": round(metrics["roc_auc"], 4),
        "baseline": baseline["baseline"],
        "baseline_accuracy": round(baseline["accuracy"], 4),
        "baseline_roc_auc": round(baseline["roc_auc"], 4),
        "baselines": {
            name: {"C": found["C"], "accuracy": round(found["accuracy"], 4), "roc_auc": round(found["roc_auc"], 4)}
            for name, found in baseline["baselines"].items()
        },
        "lift_accuracy": round(lift["accuracy"], 4),
        "lift_roc_auc": round(lift["roc_auc"], 4),
        "majority_baseline_accuracy": round(metrics["majority_baseline_accuracy"], 4),
        "chosen_candidate": training["chosen_candidate"],
        "chosen": chosen_kind(training),
        "chosen_settings": training["settings"],
        "validation_roc_auc": round(training["validation_roc_auc"], 4),
        "quality_gate": gate,
        "train_seconds": round(seconds(pipeline_run.steps["train"]), 1),
        "baseline_seconds": round(seconds(pipeline_run.steps["baseline"]), 1),
        "pipeline_seconds": round(wall, 1),
    }


def chosen_kind(training: dict) -> str:
    """ "linear" when the served model is the wide part alone (the linear candidate, or a deep part the
    calibration weighted 0), otherwise "wide&deep"."""
    weights = dict(zip(training["calibration"]["parts"], training["calibration"]["weights"], strict=True))
    return "wide&deep" if weights.get(DEEP_LOGIT, 0.0) > 0.0 else "linear"


def main() -> None:
    (SCRATCH / "repository").mkdir(parents=True)
    Client.initialize(root=SCRATCH / "repository")
    results = [train_on(dataset) for dataset in DATASETS]
    columns = [
        ("model acc", "model_accuracy"),
        ("model AUC", "model_roc_auc"),
        ("baseline acc", "baseline_accuracy"),
        ("baseline AUC", "baseline_roc_auc"),
        ("lift acc", "lift_accuracy"),
        ("lift AUC", "lift_roc_auc"),
        ("chosen", "chosen"),
        ("train s", "train_seconds"),
    ]
    print(f"{'dataset':<22}" + "".join(f"{title:>13}" for title, _ in columns) + "  best baseline / quality gate")
    for r in results:
        row = "".join(f"{r[key]:>13}" for _, key in columns)
        print(f"{r['dataset']:<22}{row}  {BASELINES[r['baseline']]} / {r['quality_gate']}")
    print(json.dumps({"datasets": results}))


if __name__ == "__main__":
    main()

"""Run the real training pipeline from a config derived from configs/local.yaml."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any, Optional, Tuple, Union

import pandas as pd
import yaml
from zenml.client import Client
from zenml.enums import ModelStages
from zenml.log_stores.artifact.artifact_log_store import fetch_log_records
from zenml.models import ModelVersionResponse, PipelineRunResponse, StepRunResponse

import run
from benchmarks.datasets import TINY_CANDIDATE
from registry import production_version
from review_classifier.names import MODEL_NAME, TRAINING_PIPELINE
from stacks.register import main as register_stacks

PROJECT_ROOT = Path(__file__).resolve().parents[1]
LOCAL_CONFIG = yaml.safe_load((PROJECT_ROOT / "configs" / "local.yaml").read_text())

#: Learns nothing: no wide feature is frequent enough to count, and the deep part barely moves from zero.
USELESS_CANDIDATE = {**TINY_CANDIDATE, "learning_rate": 1e-9, "epochs": 1, "wide_min_df": 10**6}

#: The training pipeline's steps with the default two normalizations, in the order a local run runs them.
TRAINING_STEPS = [
    "ingest",
    "preprocess",
    "preprocess_2",
    "choose_normalization",
    "split",
    "baseline",
    "tokenize",
    "train",
    "evaluate",
    "quality_gate",
    "promote",
]
#: What an unchanged re-run takes from the step cache, whatever the quality minimums.
CACHED_ON_RERUN = (
    "ingest",
    "preprocess",
    "preprocess_2",
    "choose_normalization",
    "split",
    "tokenize",
    "train",
    "baseline",
)

#: What used to clutter every run's output and log files.
NOISE = {
    "colour codes": re.compile(r"\x1b\["),
    "TensorFlow start-up": re.compile(r"absl::InitializeLog|oneDNN custom operations are on"),
    "ZenML ID and version warning": re.compile(r"both (an|a partial) ID as well as a version"),
    "ZenML unused Docker settings": re.compile(r"ZML002"),
}


def write_config(directory: Path, data_uri: str, **parameters: Any) -> Path:
    """configs/local.yaml with the given data, a tiny sweep and no retry delays.

    The tiny model is not meant to beat the raw-text baselines on 2,000 reviews (ROC-AUC about
    0.93 against 0.95), so the gate's baseline rule is off unless a test turns it on.
    """
    config = copy.deepcopy(LOCAL_CONFIG)
    config.pop("steps", None)
    config.setdefault("parameters", {}).update(
        {
            "data_uri": data_uri,
            "vocabulary_settings": {"max_size": 3000, "sequence_length": 48},
            "candidates": [TINY_CANDIDATE],
            "quality_minimums": {"roc_auc": 0.75},
            "beat_baseline": False,
            **parameters,
        }
    )
    path = directory / f"config-{len(list(directory.glob('config-*.yaml')))}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def run_training(config: Path, *flags: str) -> PipelineRunResponse:
    """Run through run.py, exactly as a user does, and return the finished run."""
    run.main(["--config", str(config), *flags])
    return Client().get_pipeline(TRAINING_PIPELINE).last_run


def project_config(
    name: str, directory: Path, model: str, version: Union[str, int] = "production", **parameters: Any
) -> Path:
    """configs/NAME for ``model`` (its ``version``) with ``parameters`` over its own, written to directory/NAME."""
    config = yaml.safe_load((PROJECT_ROOT / "configs" / name).read_text())
    config.setdefault("parameters", {}).update(parameters)
    config["model"] = {"name": model, "version": version}
    path = directory / name
    path.write_text(yaml.safe_dump(config))
    return path


def for_model(path: Path, model: str, version: Optional[Union[str, int]] = None) -> Path:
    """The config at ``path`` rewritten for a model of the test's own (and one of its versions)."""
    config = yaml.safe_load(path.read_text())
    config["model"] = {"name": model, **({"version": version} if version is not None else {})}
    path.write_text(yaml.safe_dump(config))
    return path


def production_and_worse(
    directory: Path, reviews: pd.DataFrame, model: str, **production_parameters: Any
) -> Tuple[PipelineRunResponse, PipelineRunResponse]:
    """Two training runs of ``model`` on ``reviews`` on stack `local`: a production version, then a later,
    worse one left unstaged (what a redeploy, a rollback or a fault test switches between)."""
    assert register_stacks(["local"]) == 0
    Client().activate_stack("local")
    sample = directory / "sample.csv"
    reviews.to_csv(sample, index=False)
    production_run = run_training(for_model(write_config(directory, str(sample), **production_parameters), model))
    worse = write_config(directory, str(sample), candidates=[USELESS_CANDIDATE], quality_minimums={})
    worse_run = run_training(for_model(worse, model))
    assert production_run.model_version.stage == ModelStages.PRODUCTION and worse_run.model_version.stage is None
    return production_run, worse_run


def production() -> Optional[ModelVersionResponse]:
    return production_version(MODEL_NAME)


def assert_quiet(output: str) -> None:
    """None of the :data:`NOISE` in ``output``."""
    found = {name: match.group(0) for name, pattern in NOISE.items() if (match := pattern.search(output))}
    assert not found, found


def step_logs(step: StepRunResponse) -> str:
    """A step's logs as ZenML stored them for the dashboard."""
    store = Client().active_stack.artifact_store
    return "\n".join(
        entry.message
        for logs in step.log_collection or []
        for entry in fetch_log_records(store, logs.uri, limit=100_000)
    )

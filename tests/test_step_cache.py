"""Step caching: a cache key covers the project code a step runs, and is the same in every process."""

from __future__ import annotations

import importlib
import json
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pandas as pd
import pytest
from zenml.steps import BaseStep

import steps
from steps.caching import project_sources
from tests.pipeline_helpers import CACHED_ON_RERUN, PROJECT_ROOT, USELESS_CANDIDATE, write_config
from tests.servers import client_workspace

SPLIT_OUTPUTS = "print(list({'train_set', 'validation_set', 'test_set'}))"
#: Two hash seeds under which Python orders a set of split's output names differently.
HASH_SEEDS = ("0", "1")
RUN_AND_REPORT = (
    "import json, sys; from pathlib import Path; from tests.pipeline_helpers import run_training; "
    "print(json.dumps({name: s.status.value for name, s in run_training(Path(sys.argv[1])).steps.items()}))"
)


def _cached_steps() -> Dict[str, BaseStep]:
    """Every step defined in ``steps/`` whose cache is not switched off, by name."""
    found = {}
    for module_info in pkgutil.iter_modules(steps.__path__, "steps."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if isinstance(value, BaseStep) and value.configuration.enable_cache is not False:
                found[value.name] = value
    return found


def test_every_cached_step_covers_the_project_code_it_imports() -> None:
    cached = _cached_steps()
    assert set(cached) >= {
        "preprocess",
        "choose_normalization",
        "split",
        "tokenize",
        "train",
        "baseline",
        "quality_gate",
    }
    for name, step in cached.items():
        missing = project_sources(step.__module__) - set(step.configuration.cache_policy.file_dependencies or [])
        assert not missing, f"step {name}: its cache key does not cover {sorted(missing)}"


def test_import_closure_is_transitive_and_reads_every_import_form() -> None:
    train = project_sources("steps.train")
    assert train >= {
        "steps/train.py",
        "steps/preprocess.py",
        "review_classifier/training.py",
        "review_classifier/model.py",
        "review_classifier/vocabulary.py",
        "review_classifier/text.py",
    }
    assert all(path.startswith(("steps/", "review_classifier/")) for path in train)
    # What train's module imports, not the package's __init__ nor any other step's module.
    assert "steps/__init__.py" not in train and "steps/evaluate.py" not in train


def _run(project: Path, env: Dict[str, str], config: Path, seed: str) -> Dict[str, str]:
    """One training run in a new process of its own; step name -> status."""
    done = subprocess.run(
        [sys.executable, "-c", RUN_AND_REPORT, str(config)],
        cwd=project,
        env={**env, "PYTHONHASHSEED": seed},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def runs(tmp_path_factory, sample_reviews: pd.DataFrame) -> List[Dict[str, str]]:
    """Three runs of a copy of the project, each in a new process: as is, again as is under another
    hash seed, then with a changed activation in the copy's model code."""
    orders = {
        subprocess.run(
            [sys.executable, "-c", SPLIT_OUTPUTS],
            env={"PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in HASH_SEEDS
    }
    assert len(orders) == 2, "the hash seeds must order split's outputs differently for the test to mean anything"
    base = tmp_path_factory.mktemp("step-cache")
    project = base / "project"
    shutil.copytree(
        PROJECT_ROOT,
        project,
        ignore=shutil.ignore_patterns(".git", ".venv", ".zen", "data", "__pycache__"),
    )
    sample, env = client_workspace(base, sample_reviews.head(400))
    env["ZENML_CUSTOM_SOURCE_ROOT"] = str(project)
    config = write_config(base, str(sample), candidates=[USELESS_CANDIDATE], quality_minimums={}, beat_baseline=False)
    first = _run(project, env, config, HASH_SEEDS[0])
    unchanged = _run(project, env, config, HASH_SEEDS[1])
    model_code = project / "review_classifier" / "model.py"
    assert 'activation="relu"' in model_code.read_text()
    model_code.write_text(model_code.read_text().replace('activation="relu"', 'activation="tanh"'))
    changed = _run(project, env, config, HASH_SEEDS[0])
    return [first, unchanged, changed]


def test_an_unchanged_run_in_a_new_process_reuses_every_cached_step(runs) -> None:
    first, unchanged, _ = runs
    assert all(status == "completed" for status in first.values())
    assert {name: unchanged[name] for name in CACHED_ON_RERUN} == dict.fromkeys(CACHED_ON_RERUN, "cached")


def test_a_change_in_model_code_retrains(runs) -> None:
    _, _, changed = runs
    assert changed["train"] == "completed"
    assert {changed[name] for name in ("ingest", "preprocess", "split", "tokenize", "baseline")} == {"cached"}

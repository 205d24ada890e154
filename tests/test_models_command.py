"""`python run.py models [--prune]` on a model of its own, built with ZenML's Client (no training)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from zenml import log_metadata
from zenml.client import Client
from zenml.enums import ModelStages

import run
from registry import decision_threshold
from review_classifier.decision import MissingThresholdError
from tests.test_versions import parse_table

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MODEL = "review_classifier_models_command_tests"  # its own model, so other tests' versions are untouched
METRICS = {"test_metrics": {"accuracy": 0.9245, "roc_auc": 0.9608}, "decision_threshold": 0.6}


def promotion(promoted: bool, reason: str) -> dict:
    return {"promotion": {"promoted": promoted, "reason": reason}}


def create_versions(model: str) -> None:
    """1 promoted then archived, 2 older than thresholds and not promoted, 3 production, 4 gate failed, 5 a re-run."""
    client = Client()
    client.create_model(model)
    for metadata, stage in [
        ({**METRICS, **promotion(True, "first")}, ModelStages.PRODUCTION),
        ({"test_metrics": METRICS["test_metrics"], **promotion(False, "no better")}, None),
        ({**METRICS, **promotion(True, "better")}, ModelStages.PRODUCTION),
        (METRICS, None),
        ({**METRICS, **promotion(False, "version 5 not promoted: tie")}, None),
    ]:
        version = client.create_model_version(model)
        log_metadata(metadata=metadata, model_name=model, model_version=version.name)
        if stage:
            client.update_model_version(model, version.id, stage=stage, force=True)


@pytest.fixture(scope="module")
def versions() -> None:
    """The versions the read-only tests share."""
    create_versions(MODEL)


@pytest.fixture
def own_versions(request: pytest.FixtureRequest) -> str:
    """A model of the test's own, for a test that deletes versions: the others never see it."""
    model = f"{MODEL}_{request.node.name}"
    create_versions(model)
    return model


def numbers(model: str) -> list:
    return [v.number for v in Client().list_model_versions(model=model, sort_by="number", size=100)]


def test_models_prints_the_table_without_loading_tensorflow(versions) -> None:
    probe = (
        "import sys, run\n"
        f"run.main(['models', '--model', {MODEL!r}])\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    *table, loaded = done.stdout.strip().splitlines()
    assert loaded == "[]"
    rows = parse_table("\n".join(table))
    assert [(r["version"], r["stage"], r["promoted"], r["threshold"]) for r in rows] == [
        ("1", "archived", "yes", "0.60"),
        ("2", "-", "no", "-"),
        ("3", "production", "yes", "0.60"),
        ("4", "-", "-", "0.60"),
        ("5", "-", "no", "0.60"),
    ]
    assert (rows[2]["accuracy"], rows[2]["ROC-AUC"], rows[2]["reason"]) == ("0.9245", "0.9608", "better")
    assert rows[4]["reason"] == "version 5 not promoted: tie"


def test_a_version_without_a_threshold_is_refused_by_name(versions) -> None:
    assert decision_threshold(Client().get_model_version(MODEL, 3)) == 0.6
    with pytest.raises(MissingThresholdError, match=f"^{MODEL} version 2 has no 'decision_threshold' metadata"):
        decision_threshold(Client().get_model_version(MODEL, 2))


def test_prune_deletes_exactly_the_never_promoted_unstaged_versions(own_versions, capsys) -> None:
    model = own_versions
    run.main(["models", "--model", model, "--prune", "--dry-run"])
    assert numbers(model) == [1, 2, 3, 4, 5]
    assert capsys.readouterr().out.splitlines()[:3] == [
        f"would delete {model} version 2: no better",
        f"would delete {model} version 4: no promotion decision: its run stopped before the promote step",
        f"would delete {model} version 5: version 5 not promoted: tie",
    ]
    run.main(["models", "--model", model, "--prune"])
    assert numbers(model) == [1, 3]
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out[:3]] == [f"deleted {model} version {n}" for n in (2, 4, 5)]
    assert out[3].startswith("kept version(s) 1, 3 ")

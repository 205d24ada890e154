"""Batch inference's drift check end to end: the bundled examples pass; other-domain texts and garbage
are flagged with the reason, and stop the run before anything is written; each row's strongest features
on request; the model card."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path
from typing import Optional

import pandas as pd
import pytest
import yaml
from zenml.client import Client
from zenml.models import PipelineRunResponse

import run
from pipelines.model_card import MODEL_CARD
from registry import load_classifier
from review_classifier.drift import CHECKS, TextProfile
from review_classifier.explain import NEGATIVE_FEATURES, POSITIVE_FEATURES, Explainer
from review_classifier.names import BATCH_INFERENCE_PIPELINE, VALIDATION_PROFILE
from steps.inference import DriftError
from tests.pipeline_helpers import run_training, write_config

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MODEL = "review_classifier_drift_tests"  # its own model, so other tests' production is untouched
EXAMPLES = PROJECT_ROOT / "data" / "examples" / "new_reviews.csv"


def bug_reports(n: int = 60) -> pd.DataFrame:
    """Software bug reports: plain English, another domain."""
    rng = random.Random(0)
    parts = (
        ["login page", "settings screen", "export dialog", "search bar", "upload form", "payment API", "sync job"],
        ["crashes with a null pointer exception", "throws a timeout error", "freezes on a blank screen",
         "returns HTTP 500", "writes a stack trace to the log", "loses unsaved changes"],
        ["clicking save", "uploading a file", "opening the app", "switching tabs", "refreshing the page"],
    )  # fmt: skip
    return pd.DataFrame(
        {
            "Title": [f"Bug in the {rng.choice(parts[0])}" for _ in range(n)],
            "Review Text": [
                f"The {rng.choice(parts[0])} {rng.choice(parts[1])} after {rng.choice(parts[2])}. "
                f"Steps to reproduce: {rng.choice(parts[2])}, then {rng.choice(parts[2])}. "
                f"Seen on build {rng.randint(100, 999)}."
                for _ in range(n)
            ],
        }
    )


def garbage(n: int = 60) -> pd.DataFrame:
    """Random characters and numbers, as a broken export might produce."""
    rng = random.Random(1)
    symbols = string.ascii_letters + string.digits + "  "
    return pd.DataFrame(
        {
            "Title": [str(rng.randint(0, 10**6)) for _ in range(n)],
            "Review Text": ["".join(rng.choice(symbols) for _ in range(rng.randint(20, 120))) for _ in range(n)],
        }
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("batch-inference")


@pytest.fixture(scope="module")
def trained(workdir: Path, sample_reviews: pd.DataFrame) -> PipelineRunResponse:
    """One training run of the test model; it becomes its production version."""
    sample = workdir / "sample.csv"
    sample_reviews.to_csv(sample, index=False)
    config = write_config(workdir, str(sample))
    config.write_text(yaml.safe_dump({**yaml.safe_load(config.read_text()), "model": {"name": MODEL}}))
    training_run = run_training(config)
    assert training_run.model_version.stage == "production"
    return training_run


def infer(workdir: Path, data: Path, output: Optional[Path], **parameters) -> PipelineRunResponse:
    """configs/inference.yaml on ``data`` with the test model's production version, through run.py."""
    config = yaml.safe_load((PROJECT_ROOT / "configs" / "inference.yaml").read_text())
    config["parameters"].update(data_uri=str(data), output_uri=str(output) if output else None, **parameters)
    config["model"] = {"name": MODEL, "version": "production"}
    path = workdir / "inference.yaml"
    path.write_text(yaml.safe_dump(config))
    run.main(["--config", str(path)])
    return Client().get_pipeline(BATCH_INFERENCE_PIPELINE).last_run


def write(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path


def drift_of(inference_run: PipelineRunResponse) -> dict:
    return inference_run.steps["check_drift"].outputs["drift"][0].load()


def test_training_stores_the_reference_statistics(trained) -> None:
    version = trained.model_version
    vocabulary = version.get_artifact("vocabulary").run_metadata
    reference = TextProfile.model_validate(vocabulary[VALIDATION_PROFILE])
    assert reference.oov_rate == pytest.approx(vocabulary["validation_oov_rate"]) and reference.tokens > 1000
    assert (
        sum(reference.length_counts)
        == reference.texts
        == len(trained.steps["split"].outputs["validation_set"][0].load())
    )
    metrics = version.run_metadata["test_metrics"]
    (_, false_positives), (_, true_positives) = metrics["confusion_matrix"]
    assert metrics["predicted_positive_rate"] == pytest.approx(
        (false_positives + true_positives) / metrics["n_examples"]
    )


def test_bundled_examples_pass_and_are_predicted(trained, workdir: Path) -> None:
    output = workdir / "predictions.csv"
    inference_run = infer(workdir, EXAMPLES, output)
    assert list(inference_run.steps) == ["ingest_texts", "check_drift", "drift_gate", "predict"]
    drift = drift_of(inference_run)
    assert drift["verdict"] == "ok" and drift["flagged"] == {}
    assert set(drift["checks"]) == set(CHECKS)
    predictions = inference_run.steps["predict"].outputs["predictions"][0]
    assert predictions.run_metadata["drift"] == "ok" and predictions.run_metadata["drift_flagged"] == {}
    written = pd.read_csv(output)
    assert written["status"].tolist() == ["ok", "ok", "empty text", "ok", "ok"]
    assert not {POSITIVE_FEATURES, NEGATIVE_FEATURES} & set(written.columns)  # only when asked for
    report = inference_run.steps["check_drift"].outputs["drift_report"][0].load()
    assert "Verdict:" in report and all(name in report for name in CHECKS)


@pytest.mark.parametrize(
    ("name", "frame", "reasons"),
    [
        ("bug_reports", bug_reports(), {"token_distribution": "token distribution"}),
        ("garbage", garbage(), {"oov_rate": "OOV rate"}),
    ],
)
def test_other_domain_and_garbage_stop_the_run_before_anything_is_written(
    trained, workdir: Path, name: str, frame: pd.DataFrame, reasons: dict
) -> None:
    output = workdir / f"{name}-predictions.csv"
    with pytest.raises(DriftError, match="drift check stopped the run") as stopped:
        infer(workdir, write(frame, workdir / f"{name}.csv"), output)
    assert not output.exists()
    failed = Client().get_pipeline(BATCH_INFERENCE_PIPELINE).last_run
    assert "predict" not in failed.steps
    drift = drift_of(failed)
    assert drift["verdict"] == "stop"
    for check, measure in reasons.items():
        assert drift["checks"][check]["level"] == "stop"
        assert drift["flagged"][check].startswith(measure)
        assert check in str(stopped.value) and drift["flagged"][check] in str(stopped.value)


def test_warn_only_limits_predict_and_put_the_reasons_on_the_predictions(trained, workdir: Path) -> None:
    output = workdir / "warned-predictions.csv"
    warn_only = {check: {"warn": 0.05, "stop": None} for check in CHECKS}
    inference_run = infer(workdir, write(bug_reports(), workdir / "bugs.csv"), output, drift_settings=warn_only)
    predictions = inference_run.steps["predict"].outputs["predictions"][0].run_metadata
    assert predictions["drift"] == "warn"
    assert {"oov_rate", "token_distribution"} <= set(predictions["drift_flagged"])
    assert len(pd.read_csv(output)) == len(bug_reports())


def test_predictions_can_carry_each_rows_strongest_features(trained, workdir: Path) -> None:
    output = workdir / "explained-predictions.csv"
    inference_run = infer(workdir, EXAMPLES, output, explain_top_k=2)
    assert inference_run.steps["predict"].outputs["predictions"][0].run_metadata["explain_top_k"] == 2
    written = pd.read_csv(output)
    ok = written["status"] == "ok"
    assert written.loc[~ok, [POSITIVE_FEATURES, NEGATIVE_FEATURES]].isna().all().all()
    explained = Explainer(load_classifier(trained.model_version)).explain(written.loc[ok, "text"].tolist())
    listed = 0
    for (_, row), explanation in zip(written[ok].iterrows(), explained, strict=True):
        for column, positive in ((POSITIVE_FEATURES, True), (NEGATIVE_FEATURES, False)):
            features = json.loads(row[column])
            expected = explanation.strongest(2, positive)
            assert [(f["text"], f["words"]) for f in features] == [(f.text, f.words) for f in expected]
            assert [f["contribution"] for f in features] == pytest.approx([f.contribution for f in expected])
            assert all((f["contribution"] > 0) == positive for f in features)
            listed += len(features)
    assert listed > ok.sum()  # most rows have features both ways


def test_model_card_is_on_the_model(trained) -> None:
    model = Client().get_model_version(MODEL, trained.model_version.id).model
    card = {field: getattr(model, field) for field in ("audience", "use_cases", "limitations", "trade_offs", "ethics")}
    assert card == {field: MODEL_CARD[field] for field in card}
    assert "22,642 reviews" in model.limitations and "English only" in model.limitations

"""The training pipeline end to end on the local stack, with a real ZenML store."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Dict, NamedTuple

import pandas as pd
import pytest
from zenml.client import Client
from zenml.enums import ExecutionStatus

from commands.pipeline import configured_pipeline, read_config
from pipelines.fingerprint import data_fingerprint
from review_classifier.baseline import BASELINES
from review_classifier.dataset import TEXT, DataValidationError
from review_classifier.names import MODEL_NAME, TRAINING_PIPELINE
from review_classifier.text import DEFAULT_NORMALIZATIONS, NormalizationSettings
from review_classifier.versions import COLUMNS
from review_classifier.vocabulary import Vocabulary
from steps.quality_gate import QualityGateError
from tests.pipeline_helpers import (
    CACHED_ON_RERUN,
    TRAINING_STEPS,
    USELESS_CANDIDATE,
    assert_quiet,
    production,
    run_training,
    write_config,
)
from tests.unit.test_versions_report import parse


class VersionsPage(NamedTuple):
    rows: Dict[int, Dict[str, str]]  # version number -> {column: cell}
    current: int  # the version whose row is marked
    decision: str


def versions_page(run) -> VersionsPage:
    """The promote step's ``model_versions`` artifact of ``run``, an HTML visualization, read back as a table."""
    artifact = run.steps["promote"].outputs["model_versions"][0]
    assert [v.type.value for v in artifact.visualizations] == ["html"]
    table = parse(artifact.load())
    assert table.rows[0][1] == list(COLUMNS)
    rows = {int(cells[0]): dict(zip(COLUMNS, cells, strict=True)) for _, cells in table.rows[1:]}
    (current,) = [int(cells[0]) for css, cells in table.rows[1:] if css == "current"]
    return VersionsPage(rows, current, table.decision)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("training")


@pytest.fixture(scope="module")
def sample_csv(workdir: Path, sample_reviews: pd.DataFrame) -> Path:
    """Shared by every test, so read only: a test that needs other data writes its own file."""
    path = workdir / "sample.csv"
    sample_reviews.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def first_run(workdir: Path, sample_csv: Path):
    """The first training run of the module: it becomes production (later runs may replace it)."""
    assert production() is None
    return run_training(write_config(workdir, str(sample_csv)))


def test_first_run_trains_evaluates_and_promotes(first_run) -> None:
    assert first_run.status == ExecutionStatus.COMPLETED
    assert list(first_run.steps) == TRAINING_STEPS
    version = Client().get_model_version(MODEL_NAME, first_run.model_version.id)
    metrics = version.run_metadata["test_metrics"]
    assert metrics["roc_auc"] > 0.75 and metrics["accuracy"] > metrics["majority_baseline_accuracy"]
    assert metrics["threshold"] == version.run_metadata["decision_threshold"] == 0.5
    assert version.run_metadata["promotion"]["promoted"] is True
    assert version.run_metadata["training"]["chosen_candidate"] == 1
    calibration = version.run_metadata["training"]["calibration"]
    assert calibration["parts"] == ["wide_logit", "deep_logit"] and len(calibration["weights"]) == 2
    assert calibration["validation_log_loss_after"] <= calibration["validation_log_loss_before"]
    baseline = version.run_metadata["baseline_metrics"]
    assert baseline["n_examples"] == metrics["n_examples"] and baseline["threshold"] == 0.5
    assert baseline["roc_auc"] > 0.75 and baseline["C"] in (0.25, 1.0, 4.0, 16.0)
    assert set(baseline["baselines"]) == {"tfidf_logistic_regression", "nb_logistic_regression"}
    best = max(baseline["baselines"].values(), key=lambda found: found["validation_roc_auc"])
    assert baseline["baselines"][baseline["baseline"]] == best and best["roc_auc"] == baseline["roc_auc"]
    lift = version.run_metadata["lift_over_baseline"]
    for name in ("accuracy", "roc_auc", "pr_auc"):
        assert lift[name] == pytest.approx(metrics[name] - baseline[name])
    choice = first_run.steps["choose_normalization"].run_metadata
    assert [v["settings"] for v in choice["variants"]] == [n.model_dump() for n in DEFAULT_NORMALIZATIONS]
    scores = [v["wide_validation_roc_auc"] for v in choice["variants"]]
    assert scores[choice["chosen"] - 1] == max(scores) > 0.75
    chosen = DEFAULT_NORMALIZATIONS[choice["chosen"] - 1]
    assert version.get_artifact("vocabulary").load().normalization == chosen
    ingest_meta = first_run.steps["ingest"].outputs["reviews"][0].run_metadata
    assert ingest_meta["rows_read"] == 2000
    assert ingest_meta["rows_dropped_empty_text"] == 2000 - ingest_meta["rows_kept"] > 0


def test_model_is_a_keras_file_and_vocabulary_is_json(first_run) -> None:
    version = Client().get_model_version(MODEL_NAME, first_run.model_version.id)
    model = version.get_artifact("model")
    assert model.materializer.import_path.endswith("KerasMaterializer")
    assert os.path.isfile(os.path.join(model.uri, "model.keras"))
    vocabulary = version.get_artifact("vocabulary")
    stored = [f for f in os.listdir(vocabulary.uri) if f.endswith(".json")]
    assert stored, os.listdir(vocabulary.uri)
    assert json.loads(Path(vocabulary.uri, stored[0]).read_text())["tokens"] == vocabulary.load().tokens
    assert isinstance(vocabulary.load(), Vocabulary)


def test_dashboard_report_is_an_html_visualization(first_run) -> None:
    report = first_run.steps["evaluate"].outputs["evaluation_report"][0]
    html = report.load()
    assert "Confusion matrix" in html and "data:image/png;base64," in html
    assert any(f"Against the best raw-text baseline ({label}, same splits)" in html for label in BASELINES.values())
    for section in (
        "What the model learned: the features with the largest weights",
        "Wide against deep: who carries the test logits",
        "The most confident errors",
    ):
        assert f"<h3>{section}</h3>" in html
    assert "Towards positive" in html and "Towards negative" in html and "1. labelled " in html
    assert [v.type.value for v in report.visualizations] == ["html"]


def test_promote_shows_every_model_version_and_its_decision_in_the_dashboard(first_run) -> None:
    page = versions_page(first_run)
    version = Client().get_model_version(MODEL_NAME, first_run.model_version.id)
    numbers = [v.number for v in Client().list_model_versions(model=MODEL_NAME, sort_by="number", size=100)]
    assert list(page.rows) == numbers and page.current == version.number
    reason = version.run_metadata["promotion"]["reason"]
    row = page.rows[version.number]
    assert (row["stage"], row["run"], row["promoted"], row["reason"]) == ("production", first_run.name, "yes", reason)
    assert row["threshold"] == "0.50" and float(row["ROC-AUC"]) == pytest.approx(
        version.run_metadata["test_metrics"]["roc_auc"], abs=5e-5
    )
    assert page.decision == f"This run: {reason}."


def test_second_run_reuses_the_cached_corpus(first_run, tmp_path: Path, sample_csv: Path, capfd) -> None:
    second = run_training(write_config(tmp_path, str(sample_csv), quality_minimums={}))
    assert_quiet("".join(capfd.readouterr()))
    reviews = [run.steps["ingest"].outputs["reviews"][0].content_hash for run in (first_run, second)]
    assert reviews[0] == reviews[1], "the shared sample was changed by another test"
    for name in CACHED_ON_RERUN:
        assert second.steps[name].status == ExecutionStatus.CACHED, name
    # A cached training still leaves its metrics on the new model version.
    assert second.model_version.id != first_run.model_version.id
    assert set(second.model_version.run_metadata) >= {"test_metrics", "baseline_metrics", "training", "promotion"}


def test_changed_data_or_settings_recompute_the_corpus(first_run, tmp_path: Path, sample_reviews) -> None:
    changed_csv = tmp_path / "sample.csv"  # a file of its own, rewritten in place
    sample_reviews.to_csv(changed_csv, index=False)
    config = write_config(tmp_path, str(changed_csv))
    before = run_training(config)
    edited = sample_reviews.copy()
    edited.iloc[0, edited.columns.get_loc("Review Text")] = "An edited review of a dress."
    edited.to_csv(changed_csv, index=False)
    # The same path and parameters: only the data's fingerprint tells ingest's cache that the file changed.
    changed = run_training(config)
    assert changed.steps["ingest"].status == changed.steps["preprocess"].status == ExecutionStatus.COMPLETED
    reviews = [run.steps["ingest"].outputs["reviews"][0] for run in (before, changed)]
    assert reviews[0].content_hash != reviews[1].content_hash
    assert reviews[1].load()[TEXT].str.contains("An edited review of a dress.", regex=False).sum() == 1

    # Each normalization's corpus is cached on its own: one the last run made is reused...
    known = run_training(write_config(tmp_path, str(changed_csv), normalizations=[{"stem": False}]))
    assert known.steps["preprocess"].status == ExecutionStatus.CACHED
    assert known.steps["tokenize"].inputs["normalization"][0].load() == NormalizationSettings(stem=False)
    # ...and new settings recompute it.
    new = run_training(write_config(tmp_path, str(changed_csv), normalizations=[{"stem": False, "keep_words": []}]))
    assert new.steps["preprocess"].status == ExecutionStatus.COMPLETED


def test_a_data_fingerprint_follows_the_bytes_of_a_local_file(tmp_path: Path) -> None:
    data, copy = tmp_path / "reviews.csv", tmp_path / "copy.csv"
    data.write_bytes(b"Title,Review Text,Recommended IND\nOk,A fine dress,1\n")
    copy.write_bytes(data.read_bytes())
    fingerprint = data_fingerprint(str(data))
    assert fingerprint is not None and data_fingerprint(str(copy)) == fingerprint
    data.write_bytes(data.read_bytes().replace(b",1\n", b",0\n"))  # one byte changed
    assert data_fingerprint(str(data)) not in (None, fingerprint)
    assert data_fingerprint(str(tmp_path / "missing.csv")) is None


def test_ingest_runs_uncached_without_a_fingerprint_or_in_a_schedule(tmp_path: Path, sample_csv: Path) -> None:
    """What ZenML is given for ingest, in a snapshot of the run: nothing runs."""
    runs = Client().list_pipeline_runs(size=1).total

    def ingest_configuration(config: Path):
        snapshot = configured_pipeline(read_config(config)).create_snapshot(name=f"{tmp_path.name}-{config.stem}")
        return snapshot.step_configurations["ingest"].config

    cacheable = ingest_configuration(write_config(tmp_path, str(sample_csv)))
    assert cacheable.enable_cache is None  # unset, so the pipeline's (--no-cache) decides
    assert cacheable.parameters["data_fingerprint"] == data_fingerprint(str(sample_csv)) is not None
    missing = ingest_configuration(write_config(tmp_path, str(tmp_path / "missing.csv")))
    assert missing.enable_cache is False and missing.parameters.get("data_fingerprint") is None
    scheduled = write_config(tmp_path, str(sample_csv))
    scheduled.write_text(scheduled.read_text() + "schedule: {cron_expression: '0 3 * * 1'}\n")
    assert ingest_configuration(scheduled).enable_cache is False
    assert Client().list_pipeline_runs(size=1).total == runs


def test_no_cache_flag_recomputes_everything(first_run, tmp_path: Path, sample_csv: Path) -> None:
    forced = run_training(write_config(tmp_path, str(sample_csv)), "--no-cache")
    assert all(step.status == ExecutionStatus.COMPLETED for step in forced.steps.values())


def test_a_worse_model_does_not_replace_production(first_run, tmp_path: Path, sample_csv: Path) -> None:
    before = production()
    worse = run_training(write_config(tmp_path, str(sample_csv), candidates=[USELESS_CANDIDATE], quality_minimums={}))
    assert worse.status == ExecutionStatus.COMPLETED
    assert worse.steps["promote"].outputs["promoted"][0].load() is False
    assert production().id == before.id
    new_version = Client().get_model_version(MODEL_NAME, worse.model_version.id)
    assert new_version.stage is None
    assert re.fullmatch(
        rf"version {new_version.number} not promoted: ROC-AUC 0\.\d{{4}} does not beat production version "
        rf"{before.number} \(0\.\d{{4}}\) on this test split; production stays version {before.number}",
        new_version.run_metadata["promotion"]["reason"],
    )
    page = versions_page(worse)
    assert page.current == new_version.number and set(page.rows) >= {before.number, new_version.number}
    assert [n for n, row in page.rows.items() if row["stage"] == "production"] == [before.number]
    row = page.rows[new_version.number]
    assert (row["stage"], row["run"], row["promoted"]) == ("-", worse.name, "no")
    assert row["reason"] == new_version.run_metadata["promotion"]["reason"]


def test_a_model_that_does_not_beat_the_baseline_fails_the_gate(first_run, tmp_path: Path, sample_csv: Path) -> None:
    before = production()
    with pytest.raises(
        QualityGateError,
        match=r"quality gate failed: roc_auc 0\.\d{4} does not beat the best raw-text baseline, "
        rf"({'|'.join(map(re.escape, BASELINES.values()))}) \(0\.\d{{4}}\); production is unchanged",
    ):
        run_training(
            write_config(
                tmp_path, str(sample_csv), candidates=[USELESS_CANDIDATE], quality_minimums={}, beat_baseline=True
            )
        )
    failed = Client().get_pipeline(TRAINING_PIPELINE).last_run
    assert failed.status == ExecutionStatus.FAILED
    assert "promote" not in failed.steps or failed.steps["promote"].status != ExecutionStatus.COMPLETED
    assert production().id == before.id


@pytest.mark.parametrize("threshold", [0.0, 1.0])
def test_a_decision_threshold_outside_0_1_is_refused_before_any_step(
    tmp_path: Path, sample_csv: Path, threshold: float
) -> None:
    runs = Client().list_pipeline_runs(size=1).total
    with pytest.raises(ValueError, match=f"decision_threshold must be strictly between 0 and 1, got {threshold}"):
        run_training(write_config(tmp_path, str(sample_csv), decision_threshold=threshold))
    assert Client().list_pipeline_runs(size=1).total == runs


def test_quality_gate_failure_fails_the_run_and_keeps_production(first_run, tmp_path: Path, sample_csv: Path) -> None:
    before = production()
    with pytest.raises(
        QualityGateError, match=r"quality gate failed: roc_auc 0\.\d+ < 0\.999; production is unchanged"
    ):
        run_training(write_config(tmp_path, str(sample_csv), quality_minimums={"roc_auc": 0.999}))
    assert Client().get_pipeline(TRAINING_PIPELINE).last_run.status == ExecutionStatus.FAILED
    assert production().id == before.id


def _bad_inputs(sample: pd.DataFrame):
    """(file name, writer, expected message) for every rejection of ingest."""

    def csv(frame):
        return lambda path: frame.to_csv(path, index=False)

    no_text = sample.assign(**{"Title": None, "Review Text": "  "})
    return [
        ("missing.csv", None, r"missing\.csv: file not found"),
        (
            "latin1.csv",
            lambda p: p.write_bytes("Title,Review Text,Recommended IND\nOk,caf\u00e9,1\n".encode("latin-1")),
            r"latin1\.csv: not valid UTF-8",
        ),
        (
            "no_label.csv",
            csv(sample.drop(columns=["Recommended IND"])),
            r"no_label\.csv: missing column\(s\) \['Recommended IND'\]",
        ),
        ("no_text.csv", csv(no_text), r"no_text\.csv: no row has text"),
        (
            "bad_label.csv",
            csv(sample.assign(**{"Recommended IND": sample["Recommended IND"].replace({0: 7})})),
            r"bad_label\.csv: column 'Recommended IND' has value\(s\) \['7'\] outside the declared labels",
        ),
        ("one_class.csv", csv(sample.assign(**{"Recommended IND": 1})), r"one_class\.csv: only one class present"),
    ]


@pytest.mark.parametrize(
    "case", range(6), ids=["missing", "non-utf8", "missing-column", "no-text", "unknown-label", "single-class"]
)
def test_bad_input_is_rejected_with_its_reason_and_production_is_unchanged(
    first_run, tmp_path: Path, sample_reviews: pd.DataFrame, case: int
) -> None:
    name, write, message = _bad_inputs(sample_reviews)[case]
    path = tmp_path / name
    if write:
        write(path)
    before = production()
    with pytest.raises(DataValidationError, match=message):
        run_training(write_config(tmp_path, str(path)))
    assert production().id == before.id

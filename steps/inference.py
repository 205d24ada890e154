"""Batch inference: new reviews in, predictions of the production model out."""

from __future__ import annotations

import logging
from typing import Annotated, Any, Dict, Optional, Tuple

import pandas as pd
from zenml import ArtifactConfig, get_step_context, log_metadata, step
from zenml.io import fileio
from zenml.types import HTMLString

from registry import decision_threshold, drift_reference, load_classifier, require_production
from review_classifier.dataset import TEXT, DatasetSchema, load_unlabelled, write_table
from review_classifier.decision import predicted_classes
from review_classifier.drift import Batch, DriftSettings, compare, profile
from review_classifier.explain import with_strongest_features
from review_classifier.inference import predict_table
from review_classifier.names import DECISION_THRESHOLD
from review_classifier.reports.drift import drift_html
from steps.ingest import read_uri, resolve_uri
from steps.materializers import ContentHashedPandasMaterializer

logger = logging.getLogger(__name__)


@step(enable_cache=False, output_materializers=ContentHashedPandasMaterializer)
def ingest_texts(
    data_uri: str, dataset: DatasetSchema = DatasetSchema()
) -> Annotated[pd.DataFrame, ArtifactConfig(name="new_reviews", tags=["data"])]:
    """Every row's text (labels are not needed); rows without text are kept, and reported."""
    texts = load_unlabelled(read_uri(data_uri), dataset, data_uri)
    empty_rows = (texts.index[texts[TEXT] == ""] + 1).tolist()
    if empty_rows:
        logger.warning(
            "%s: %d row(s) without text, reported in the predictions: %s", data_uri, len(empty_rows), empty_rows[:20]
        )
    log_metadata(
        metadata={
            "source": data_uri,
            "rows": len(texts),
            "rows_without_text": len(empty_rows),
            "first_rows_without_text": empty_rows[:20],
        },
        infer_artifact=True,
        artifact_name="new_reviews",
    )
    return texts


class DriftError(RuntimeError):
    """The new texts differ from the production version's training data beyond a stop limit."""


@step(enable_cache=False)
def check_drift(
    new_reviews: pd.DataFrame, settings: DriftSettings = DriftSettings()
) -> Tuple[
    Annotated[Dict[str, Any], ArtifactConfig(name="drift", tags=["drift"])],
    Annotated[HTMLString, ArtifactConfig(name="drift_report", tags=["report"])],
]:
    """Compare the new texts with the production version's training data; never fails, so the report is kept.

    The predicted-positive rate needs the model's answers, so the texts are scored
    here too: :func:`drift_gate` must be able to stop the run before any
    prediction is stored or written.
    """
    model = get_step_context().model
    require_production(model)
    classifier = load_classifier(model)
    reference = drift_reference(model)
    texts = new_reviews.loc[new_reviews[TEXT] != "", TEXT].tolist()
    tokens = classifier.normalizer.normalize_many(texts)
    positive = int(predicted_classes(classifier.predict_proba(texts), decision_threshold(model)).sum()) if texts else 0
    batch = Batch(
        profile=profile(tokens, classifier.vocabulary, reference.profile),
        rows=len(new_reviews),
        empty_rows=len(new_reviews) - len(texts),
        positive=positive,
    )
    report = compare(reference, batch, settings)
    for check in report.checks:
        (logger.warning if check.level in ("warn", "stop") else logger.info)("Drift %s: %s", check.level, check.reason)
    title = f"{model.name} version {model.version}: drift of the new texts"
    return report.summary(), HTMLString(drift_html(report, reference, batch, title))


@step(enable_cache=False)
def drift_gate(drift: Dict[str, Any]) -> None:
    """Fail the run, before anything is predicted or written, when a check reached its stop limit."""
    if drift["verdict"] == "stop":
        stopping = {name: c for name, c in drift["checks"].items() if c["level"] == "stop"}
        detail = "; ".join(drift["flagged"][name] for name in stopping)
        raise DriftError(
            f"drift check stopped the run ({', '.join(stopping)}): {detail}; nothing was predicted or written. "
            "The drift_report artifact shows every check; the limits are the drift_settings parameter"
        )
    if drift["flagged"]:
        logger.warning("Drift check warns (%s); predicting anyway", ", ".join(drift["flagged"]))


@step(enable_cache=False)
def predict(
    new_reviews: pd.DataFrame, drift: Dict[str, Any], output_uri: Optional[str] = None, explain_top_k: int = 0
) -> Annotated[pd.DataFrame, ArtifactConfig(name="predictions", tags=["predictions"])]:
    """Score with the pipeline's model version, which the config pins to ``production``, at its own threshold.

    With ``explain_top_k``, each row also gets its strongest positive and negative features
    (review_classifier/explain.py). The drift check's verdict and reasons go into the predictions' metadata.
    """
    model = get_step_context().model
    require_production(model)
    threshold = decision_threshold(model)
    classifier = load_classifier(model)
    predictions = with_strongest_features(
        predict_table(classifier, new_reviews, str(model.version), threshold), classifier, explain_top_k
    )
    counts = predictions["label"].value_counts()
    logger.info(
        "Predicted %d rows with %s version %s (threshold %s): %s",
        len(predictions),
        model.name,
        model.version,
        threshold,
        counts.to_dict(),
    )
    if output_uri:
        uri = resolve_uri(output_uri)
        with fileio.open(uri, "wb") as file:
            write_table(predictions, file, output_uri)
        logger.info("Wrote predictions to %s", output_uri)
    log_metadata(
        metadata={
            "rows": len(predictions),
            "model_version": str(model.version),
            DECISION_THRESHOLD: threshold,
            "labels": {k: int(v) for k, v in counts.items()},
            "empty_text": int((predictions["status"] != "ok").sum()),
            "output_uri": output_uri or "",
            "explain_top_k": explain_top_k,
            "drift": drift["verdict"],
            "drift_flagged": drift["flagged"],
        },
        infer_artifact=True,
        artifact_name="predictions",
    )
    return predictions

"""Batch inference: new reviews in, predictions of the production model out."""

from __future__ import annotations

import logging
from typing import Annotated, Optional

import pandas as pd
from zenml import ArtifactConfig, get_step_context, log_metadata, step
from zenml.io import fileio

from review_classifier.dataset import TEXT, DatasetSchema, load_unlabelled, write_table
from review_classifier.inference import predict_table
from review_classifier.names import DECISION_THRESHOLD
from steps.ingest import read_uri, resolve_uri
from steps.materializers import ContentHashedPandasMaterializer
from steps.registry import decision_threshold, load_classifier, require_production

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


@step(enable_cache=False)
def predict(
    new_reviews: pd.DataFrame, output_uri: Optional[str] = None
) -> Annotated[pd.DataFrame, ArtifactConfig(name="predictions", tags=["predictions"])]:
    """Score with the pipeline's model version, which the config pins to ``production``, at its own threshold."""
    model = get_step_context().model
    require_production(model)
    threshold = decision_threshold(model)
    classifier = load_classifier(model)
    predictions = predict_table(classifier, new_reviews, str(model.version), threshold)
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
        },
        infer_artifact=True,
        artifact_name="predictions",
    )
    return predictions

"""The batch inference pipeline: a file of new reviews -> predictions of the production model."""

from __future__ import annotations

from typing import Optional

from zenml import Model, pipeline
from zenml.enums import ModelStages

from review_classifier.dataset import DatasetSchema
from review_classifier.drift import DriftSettings
from review_classifier.names import BATCH_INFERENCE_PIPELINE, MODEL_NAME
from steps.inference import check_drift, drift_gate, ingest_texts, predict


@pipeline(
    name=BATCH_INFERENCE_PIPELINE,
    model=Model(name=MODEL_NAME, version=ModelStages.PRODUCTION),
    tags=["inference"],
)
def inference_pipeline(
    data_uri: str,
    dataset: DatasetSchema = DatasetSchema(),
    output_uri: Optional[str] = None,
    drift_settings: DriftSettings = DriftSettings(),
    explain_top_k: int = 0,
) -> None:
    """ingest_texts -> check_drift -> drift gate -> predict (with the production version and its threshold).

    Args:
        data_uri: The new reviews: CSV, .csv.gz or Parquet; a local path or an artifact-store URI.
        dataset: Which columns hold the text (the label columns are not needed).
        output_uri: Also write the predictions there (CSV, .csv.gz or Parquet). Unset: only the
            ``predictions`` artifact.
        drift_settings: When a difference from the training data warns or stops the run before predicting.
        explain_top_k: Above 0, each predicted row also gets its k strongest features towards positive and
            towards negative, from the exact decomposition of its logit.
    """
    new_reviews = ingest_texts(data_uri, dataset)
    drift, _report = check_drift(new_reviews, drift_settings)
    drift_gate(drift)
    predict(new_reviews, drift, output_uri, explain_top_k, after="drift_gate")

"""The batch inference pipeline: a file of new reviews -> predictions of the production model."""

from __future__ import annotations

from typing import Optional

from zenml import Model, pipeline
from zenml.enums import ModelStages

from pipelines.docker_settings import DOCKER_SETTINGS
from review_classifier.dataset import DatasetSchema
from review_classifier.names import BATCH_INFERENCE_PIPELINE, MODEL_NAME
from steps.inference import ingest_texts, predict


@pipeline(
    name=BATCH_INFERENCE_PIPELINE,
    model=Model(name=MODEL_NAME, version=ModelStages.PRODUCTION),
    tags=["inference"],
    settings={"docker": DOCKER_SETTINGS},
)
def inference_pipeline(
    data_uri: str,
    dataset: DatasetSchema = DatasetSchema(),
    output_uri: Optional[str] = None,
) -> None:
    """ingest_texts -> predict (with the production model version and its decision threshold)."""
    predict(ingest_texts(data_uri, dataset), output_uri)

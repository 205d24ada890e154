"""Pipelines, by the name run configs give in ``extra.pipeline``."""

from pipelines.deployment import deployment_pipeline
from pipelines.inference import inference_pipeline
from pipelines.training import training_pipeline
from review_classifier.names import BATCH_INFERENCE_PIPELINE, DEPLOYMENT_PIPELINE, TRAINING_PIPELINE

PIPELINES = {
    TRAINING_PIPELINE: training_pipeline,
    DEPLOYMENT_PIPELINE: deployment_pipeline,
    BATCH_INFERENCE_PIPELINE: inference_pipeline,
}

__all__ = ["PIPELINES", "deployment_pipeline", "inference_pipeline", "training_pipeline"]

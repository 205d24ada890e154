"""Pipelines, by the name run configs give in ``extra.pipeline``."""

from pipelines.deployment import deployment_pipeline
from pipelines.inference import inference_pipeline
from pipelines.training import training_pipeline

PIPELINES = {"training": training_pipeline, "deployment": deployment_pipeline, "inference": inference_pipeline}

__all__ = ["PIPELINES", "deployment_pipeline", "inference_pipeline", "training_pipeline"]

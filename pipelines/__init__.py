"""Pipelines, by the name run configs give in ``extra.pipeline``."""

from pipelines.inference import inference_pipeline
from pipelines.training import training_pipeline

PIPELINES = {"training": training_pipeline, "inference": inference_pipeline}

__all__ = ["PIPELINES", "inference_pipeline", "training_pipeline"]

"""Pipelines, by the name run configs give in ``extra.pipeline``."""

from pipelines.training import training_pipeline

PIPELINES = {"training": training_pipeline}

__all__ = ["PIPELINES", "training_pipeline"]

"""The deployment pipeline: production model -> Bento -> running local HTTP service."""

from __future__ import annotations

from zenml import Model, pipeline
from zenml.enums import ModelStages

from pipelines.docker_settings import DOCKER_SETTINGS
from review_classifier.names import DEPLOY_STEP, DEPLOYMENT_PIPELINE, MODEL_NAME
from steps.deploy import bento_builder, deploy


@pipeline(
    name=DEPLOYMENT_PIPELINE,
    model=Model(name=MODEL_NAME, version=ModelStages.PRODUCTION),
    tags=["deployment"],
    settings={"docker": DOCKER_SETTINGS},
)
def deployment_pipeline(port: int = 3000, timeout: int = 300) -> None:
    """bento_builder -> deploy (smoke test on a free port first, then replace the service)."""
    deploy(bento_builder(), port, timeout, id=DEPLOY_STEP)

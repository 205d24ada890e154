"""The deployment pipeline: production model -> Bento (-> its container image) -> running HTTP service."""

from __future__ import annotations

from typing import Optional

from zenml import Model, pipeline
from zenml.client import Client
from zenml.enums import ModelStages

from pipelines.docker_settings import DOCKER_SETTINGS
from review_classifier.names import DEPLOY_STEP, DEPLOYMENT_PIPELINE, MODEL_NAME
from steps.deploy import bento_builder, bento_image, deploy


@pipeline(
    name=DEPLOYMENT_PIPELINE,
    model=Model(name=MODEL_NAME, version=ModelStages.PRODUCTION),
    tags=["deployment"],
    settings={"docker": DOCKER_SETTINGS},
)
def deployment_pipeline(port: int = 3000, timeout: int = 300, base_image: Optional[str] = None) -> None:
    """bento_builder [-> bento_image] -> deploy (smoke test on a free port first, then replace the service).

    On a stack with a container registry the Bento serves as its container image, built from
    ``base_image`` and pushed there; else as a local process.

    Args:
        port: Port of the front door (nginx) the service answers on, at 127.0.0.1.
        timeout: Seconds the new service has to start before the deployment fails (the old one keeps serving).
        base_image: Parent of the Bento's container image on a stack with a container registry.
            Unset: BentoML's own Python image.
    """
    bento = bento_builder(base_image)
    image = bento_image(bento) if Client().active_stack.container_registry is not None else None
    deploy(bento, image, port, timeout, id=DEPLOY_STEP)

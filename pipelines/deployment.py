"""The deployment pipeline: production model -> Bento (-> its container image) -> running HTTP service, on this
machine behind the front door, on Kubeflow's cluster or on a Vertex AI endpoint, by the active stack."""

from __future__ import annotations

from typing import Optional

from zenml import Model, pipeline
from zenml.client import Client
from zenml.enums import ModelStages

from review_classifier.names import DEPLOY_STEP, DEPLOYMENT_PIPELINE, MODEL_NAME
from review_classifier.serving_targets import KUBERNETES, TARGET_OF_ORCHESTRATOR, KubernetesServing, VertexServing
from steps.deploy import bento_builder, bento_image, deploy
from steps.remote_deploy import bento_and_image, deploy_to_kubernetes, deploy_to_vertex


@pipeline(
    name=DEPLOYMENT_PIPELINE,
    model=Model(name=MODEL_NAME, version=ModelStages.PRODUCTION),
    tags=["deployment"],
)
def deployment_pipeline(
    port: int = 3000,
    timeout: int = 300,
    base_image: Optional[str] = None,
    workers: Optional[int] = None,
    kubernetes: KubernetesServing = KubernetesServing(),
    vertex: VertexServing = VertexServing(),
) -> None:
    """bento_builder [-> bento_image] -> deploy (smoke test on a free port first, then replace the service);
    on the remote stacks bento_and_image -> deploy_to_kubernetes | deploy_to_vertex.

    On a stack with a container registry the Bento serves as its container image, built from
    ``base_image`` and pushed there; else as a local process. On the ``kubeflow`` stack the image,
    built by the stack's image builder in the step that builds the Bento (each step has its own pod
    there), serves on the cluster (``deploy_to_kubernetes``), on the ``vertex`` stack on a Vertex AI
    endpoint (``deploy_to_vertex``).

    Args:
        port: Port of the front door (nginx) the service answers on, at 127.0.0.1.
        timeout: Seconds the new service has to start before the deployment fails (the old one keeps serving).
        base_image: Parent of the Bento's container image on a stack with a container registry.
            Unset: BentoML's own Python image.
        workers: Worker processes of the service, each with the model loaded. Unset: one per CPU the
            service is given (its container's, on a stack with a container registry).
        kubernetes: The Deployment and Service on the ``kubeflow`` stack's cluster.
        vertex: The Vertex AI endpoint on the ``vertex`` stack (its project and region).
    """
    stack = Client().active_stack
    target = TARGET_OF_ORCHESTRATOR.get(stack.orchestrator.flavor)
    if target is None:
        bento = bento_builder(base_image, workers)
        image = bento_image(bento) if stack.container_registry is not None else None
        deploy(bento, image, port, timeout, id=DEPLOY_STEP)
    elif target == KUBERNETES:
        deploy_to_kubernetes(*bento_and_image(base_image, workers), kubernetes)
    else:
        deploy_to_vertex(*bento_and_image(base_image, workers), vertex)

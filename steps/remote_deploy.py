"""Deployment on the remote stacks: the production version's Bento image on Kubeflow's cluster or on a Vertex AI
endpoint. What is applied or sent is recorded in the run's metadata before the call, so the dashboard shows it
even when the call fails; the clients (the ``remote`` extra, in the remote stacks' image) are imported only here."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Annotated, Any, Dict, Optional, Tuple

from zenml import ArtifactConfig, get_step_context, log_metadata, step
from zenml.client import Client

from registry import require_production
from review_classifier.serving_targets import KUBERNETES, VERTEX, KubernetesServing, VertexServing
from serving import kubernetes
from steps.deploy import package_production, push_image

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def bento_and_image(
    base_image: Optional[str] = None,
    workers: Optional[int] = None,
) -> Tuple[
    Annotated[str, ArtifactConfig(name="bento", tags=["deployment"])],
    Annotated[str, ArtifactConfig(name="bento_image", tags=["deployment"])],
]:
    """The production version's Bento and its image, pushed to the stack's registry, in one step: on a remote
    stack each step runs in a pod of its own, and a Bento lives in the BentoML store of the pod that built it."""
    bento = package_production(base_image, workers)
    return bento, push_image(bento)


def _deployed(target: str, bento: str, image: str, **where: Any) -> None:
    """The record of a remote deployment on the model version (``make status`` reads only local ones)."""
    model = get_step_context().model
    since = datetime.now(timezone.utc).isoformat(timespec="seconds")
    record = {"target": target, "version": str(model.version), "bento": bento, "image": image, **where, "since": since}
    log_metadata(metadata={f"{target}_deployment": record}, infer_model=True)


@step(enable_cache=False)
def deploy_to_kubernetes(
    bento: str, image: str, settings: KubernetesServing
) -> Annotated[str, ArtifactConfig(name="kubernetes_manifests", tags=["deployment"])]:
    """Apply the Deployment and Service serving ``image`` to the stack's cluster; the manifests applied.

    Kubernetes' rolling update swaps the pods without a failed request; a rollout that fails
    leaves the old pods serving (serving/kubernetes.py).
    """
    from stacks.cloud_serving import kubernetes_applier

    model = get_step_context().model
    require_production(model)
    rendered = kubernetes.render(settings, image, model.name, str(model.version), bento)
    log_metadata(metadata={"kubernetes_manifests": rendered})
    applier = kubernetes_applier(Client().active_stack, settings)
    kubernetes.apply(applier, kubernetes.manifests(rendered), settings.timeout)
    _deployed(KUBERNETES, bento, image, namespace=settings.namespace, name=settings.name)
    logger.info("Serving %s version %s on %s/%s", model.name, model.version, settings.namespace, settings.name)
    return rendered


@step(enable_cache=False)
def deploy_to_vertex(
    bento: str, image: str, settings: VertexServing
) -> Annotated[Dict[str, Any], ArtifactConfig(name="vertex_endpoint_spec", tags=["deployment"])]:
    """Upload ``image`` as a Vertex AI Model and deploy it to the endpoint, in the stack's project and region;
    the spec sent. A deployment that fails leaves the endpoint's traffic where it was."""
    from stacks.cloud_serving import deploy_endpoint, endpoint_spec, vertex_project

    model = get_step_context().model
    require_production(model)
    spec = endpoint_spec(settings, image, model.name, str(model.version), bento)
    log_metadata(metadata={"vertex_endpoint_spec": spec})
    project, location, credentials = vertex_project(Client().active_stack)
    names = deploy_endpoint(spec, project=project, location=location, credentials=credentials)
    _deployed(VERTEX, bento, image, **names)
    logger.info("Serving %s version %s on Vertex AI endpoint %s", model.name, model.version, names["endpoint"])
    return spec

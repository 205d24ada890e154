"""The clients of where the remote stacks serve: the Kubeflow stack's cluster and the Vertex stack's endpoint.

Remote code (the ``remote`` extra: the Kubernetes client, the Vertex SDK), imported by the deploy
steps only when they run on those stacks. What is applied or sent is decided by pure code
(:mod:`serving.kubernetes`, :func:`endpoint_spec`) and recorded before any call.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Optional, Tuple

from kubernetes import config as kubernetes_config
from zenml.integrations.kubernetes.k8s_applier import KubernetesApplier
from zenml.stack import Stack

from review_classifier.serving_targets import KubernetesServing, VertexServing

logger = logging.getLogger(__name__)
#: The port the Vertex model's container spec declares: Vertex sets it as AIP_HTTP_PORT (8080, its default).
VERTEX_PORT = 8080


def kubernetes_context(stack: Stack, settings: KubernetesServing) -> Optional[str]:
    """The kubeconfig context to deploy to: the settings', else the stack's image builder's (Kaniko builds in
    the same cluster, ``KUBE_CONTEXT``), else None (the kubeconfig's current one)."""
    builder = stack.image_builder
    return settings.context or (getattr(builder.config, "kubernetes_context", None) if builder else None)


def kubernetes_api_client(stack: Stack, settings: KubernetesServing) -> Any:
    """A client of the cluster of ``stack``: through the orchestrator's Kubernetes service connector when one
    is linked, else the kubeconfig's context (:func:`kubernetes_context`)."""
    connector = stack.orchestrator.get_connector()
    if connector is not None:
        return connector.connect()
    return kubernetes_config.new_client_from_config(context=kubernetes_context(stack, settings))


def kubernetes_applier(stack: Stack, settings: KubernetesServing) -> KubernetesApplier:
    """ZenML's applier on the cluster of ``stack`` (it asks the API server which resources it has at once)."""
    return KubernetesApplier(kubernetes_api_client(stack, settings))


def endpoint_spec(settings: VertexServing, image: str, model: str, version: str, bento: str) -> Dict[str, Any]:
    """What the deploy sends to Vertex AI: ``Model.upload``'s and ``Model.deploy``'s arguments, and the endpoint.

    The routes are left to Vertex (its defaults name the endpoint and deployed model, which the
    image reads from AIP_PREDICT_ROUTE / AIP_HEALTH_ROUTE), and so is the command: the image's own
    entrypoint runs ``bentoml serve``, which listens on AIP_HTTP_PORT in Vertex's prediction mode.
    """
    labels = {"zenml_model": model, "zenml_model_version": version}
    return {
        "endpoint": settings.endpoint,
        "model": {
            "display_name": settings.endpoint,
            "description": f"Bento {bento}: {model} version {version}",
            "labels": labels,
            "serving_container_image_uri": image,
            "serving_container_ports": [VERTEX_PORT],
            "serving_container_environment_variables": {"BENTOML_DO_NOT_TRACK": "true"},
            "upload_request_timeout": settings.timeout,
        },
        "deployment": {
            "deployed_model_display_name": f"{settings.endpoint}-v{version}",
            "machine_type": settings.machine_type,
            "min_replica_count": settings.min_replicas,
            "max_replica_count": settings.max_replicas,
            "service_account": settings.service_account,
            "traffic_percentage": 100,
            "deploy_request_timeout": settings.timeout,
        },
    }


def vertex_project(stack: Stack) -> Tuple[str, str, Any]:
    """The project, region and credentials of the Vertex stack's orchestrator (its GCP connector if linked)."""
    orchestrator = stack.orchestrator
    credentials, project = orchestrator._get_authentication()  # ZenML's own GCP credentials helper
    return orchestrator.config.project or project, orchestrator.config.location, credentials


def deploy_endpoint(
    spec: Dict[str, Any], *, project: str, location: str, credentials: Any, sdk: Any = None
) -> Dict[str, Any]:
    """Upload the model and deploy it to the endpoint named in ``spec`` (created if missing); the resource names.

    ``sdk`` is the Vertex SDK (``google.cloud.aiplatform``), imported only here: its import takes seconds of CPU,
    which every other importer of this module (the Kubeflow stack's deploy step, the tests) would pay.
    The new deployed model takes all the traffic only once Vertex has it running (its health route answered);
    if the upload or the deployment fails, the endpoint's traffic split is untouched and the version serving
    keeps serving. The models deployed before are undeployed only after that.
    """
    if sdk is None:
        from google.cloud import aiplatform as sdk
    sdk.init(project=project, location=location, credentials=credentials)
    name = spec["endpoint"]
    found = sdk.Endpoint.list(filter=f'display_name="{name}"')
    endpoint = found[0] if found else sdk.Endpoint.create(display_name=name)
    before = [deployed.id for deployed in endpoint.list_models()]
    model = sdk.Model.upload(**spec["model"])
    model.deploy(endpoint=endpoint, **spec["deployment"])
    for deployed_id in before:
        endpoint.undeploy(deployed_model_id=deployed_id)
        logger.info("Undeployed the previous model %s from endpoint %s", deployed_id, endpoint.resource_name)
    return {"endpoint": endpoint.resource_name, "model": model.resource_name, "replaced": before}

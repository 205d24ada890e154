"""The Bento image on a Kubernetes cluster: manifests rendered from ``templates/kubernetes.yaml.j2``, applied
with ZenML's own Kubernetes applier (server-side apply), and a failed rollout undone.

Kubernetes' rolling update is the cluster's front door: with ``maxUnavailable: 0`` a new pod must
pass its readiness probe (BentoML's ``/readyz``, true once the model is loaded and warmed up)
before an old one is stopped, so a version that cannot load never takes traffic, and the old pods
keep serving. The deploy then puts the previous pod template back, so the Deployment describes
what serves rather than a rollout stuck half-way.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from review_classifier.names import BENTO_NAME
from review_classifier.serving_targets import KubernetesServing
from review_classifier.templating import renderer

logger = logging.getLogger(__name__)

#: The port the service listens on inside the pod, and the Service's.
PORT = 3000
#: Who owns the fields the deploy sets (server-side apply).
FIELD_MANAGER = "review-classifier-deploy"
#: Startup probe checks every 5 s: up to 10 minutes to import TensorFlow, load and warm the model.
STARTUP_CHECKS = 120
_render_template = renderer(Path(__file__).parent / "templates")


def render(settings: KubernetesServing, image: str, model: str, version: str, bento: str) -> str:
    """The Deployment and the Service serving ``image`` (multi-document YAML), as applied and as recorded."""
    selector = {"app.kubernetes.io/name": settings.name, "app.kubernetes.io/part-of": BENTO_NAME.replace("_", "-")}
    return _render_template(
        "kubernetes.yaml.j2",
        name=settings.name,
        namespace=settings.namespace,
        labels={**selector, "app.kubernetes.io/managed-by": "zenml", "zenml-model-version": version},
        annotations={"review-classifier/zenml-model": model, "review-classifier/bento": bento},
        selector=selector,
        replicas=settings.replicas,
        timeout=settings.timeout,
        image=image,
        image_pull_secret=settings.image_pull_secret,
        args=["serve", "--port", str(PORT)],
        env=[{"name": "BENTOML_DO_NOT_TRACK", "value": "true"}],
        port=PORT,
        cpu_request=settings.cpu_request,
        cpu_limit=settings.cpu_limit,
        memory_request=settings.memory_request,
        memory_limit=settings.memory_limit,
        ready_path="/readyz",
        live_path="/livez",
        startup_checks=STARTUP_CHECKS,
        service_type=settings.service_type,
    )


def manifests(rendered: str) -> List[Dict[str, Any]]:
    """The objects of a rendering, in order (Deployment, Service)."""
    return [document for document in yaml.safe_load_all(rendered) if document]


def _pod_template(resource: Any) -> Optional[Dict[str, Any]]:
    if resource is None:
        return None
    return resource.to_dict()["spec"]["template"]


def apply(applier: Any, objects: List[Dict[str, Any]], timeout: int) -> None:
    """Apply ``objects`` with ``applier`` (ZenML's ``KubernetesApplier``) and wait for the complete rollout.

    If the rollout fails (a pod never ready: the model does not load, the image cannot be pulled, the
    pods do not fit), the previous pod template is applied again, so the old version's pods, which
    kept serving throughout, stay the Deployment's; the error says so. With no previous Deployment
    there is nothing to keep, and the error says that.
    """
    deployment = objects[0]
    name, namespace = deployment["metadata"]["name"], deployment["metadata"]["namespace"]
    previous = _pod_template(applier.get_resource(name, namespace, "Deployment", "apps/v1"))
    try:
        applier.provision(objects, namespace, field_manager=FIELD_MANAGER, force=True)
        applier.wait_for_deployment_ready(name, namespace, timeout=timeout)
    except Exception as error:
        failed = f"Deployment {namespace}/{name} did not roll out ({error})"
        if previous is None:
            raise RuntimeError(f"{failed}; nothing served before") from error
        undo = {**deployment, "spec": {**deployment["spec"], "template": previous}}
        applier.provision([undo], namespace, field_manager=FIELD_MANAGER, force=True)
        raise RuntimeError(f"{failed}; its previous pods keep serving, their pod template applied again") from error
    logger.info("Deployment %s/%s rolled out: %d ready replicas", namespace, name, deployment["spec"]["replicas"])

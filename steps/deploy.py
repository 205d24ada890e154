"""Deployment: the production model -> a Bento (-> its image) -> a service tracked by ZenML, behind the front door."""

from __future__ import annotations

import logging
from typing import Annotated, Any, List, Optional, Union

import httpx
from zenml import ArtifactConfig, Model, get_step_context, step
from zenml.client import Client
from zenml.integrations.bentoml.model_deployers import BentoMLModelDeployer
from zenml.integrations.bentoml.services.bentoml_container_deployment import (
    BentoMLContainerDeploymentConfig,
    BentoMLContainerDeploymentService,
)
from zenml.integrations.bentoml.services.bentoml_local_deployment import (
    BentoMLLocalDeploymentConfig,
    BentoMLLocalDeploymentService,
)
from zenml.services.service import BaseDeploymentService

from registry import decision_threshold, deployed_services, require_production
from review_classifier.names import TEST_METRICS
from serving import frontdoor
from serving.bento import build_bento, save_model, serving_workers
from serving.container import build_with, containerize

logger = logging.getLogger(__name__)
SMOKE_TEXTS = ["Love this dress, fits perfectly", "Cheap fabric, returned it"]


def load_artifact(model: Model, name: str) -> Any:
    """The version's artifact ``name``; one missing or damaged in the artifact store is refused with its name,
    version and URI (the loader's own error does not say which artifact, nor that nothing was switched)."""
    # Not model.load_artifact: it asks ZenML for an ID and a version at once, which warns.
    artifact = model.get_artifact(name)
    if artifact is None:
        raise RuntimeError(f"{model.name} version {model.version} has no '{name}' artifact; nothing was deployed")
    try:
        return artifact.load()
    except Exception as error:
        raise RuntimeError(
            f"the '{name}' artifact of {model.name} version {model.version} at {artifact.uri} cannot be loaded "
            f"({type(error).__name__}: {error}); nothing was deployed, what serves goes on serving"
        ) from error


def package_production(base_image: Optional[str] = None, workers: Optional[int] = None) -> str:
    """Package the step's model version, which must be ``production``, as a Bento; its tag.

    The version's decision threshold goes into the BentoML model's metadata, which is all the service reads.
    ``base_image`` is the parent of the Bento's container image (None: BentoML's own Python image);
    ``workers`` the service's worker processes (None: one per CPU it is given).
    """
    model = get_step_context().model
    require_production(model)
    threshold = decision_threshold(model)
    metrics = model.run_metadata.get(TEST_METRICS, {})
    model_tag = save_model(
        load_artifact(model, "model"),
        load_artifact(model, "vocabulary"),
        zenml_model=model.name,
        zenml_version=str(model.version),
        metrics=metrics,
        decision_threshold=threshold,
    )
    labels = {
        "zenml_model": model.name,
        "zenml_model_version": str(model.version),
        "test_accuracy": f"{metrics.get('accuracy', float('nan')):.4f}",
        "test_roc_auc": f"{metrics.get('roc_auc', float('nan')):.4f}",
    }
    bento_tag = build_bento(model_tag, labels, base_image=base_image, workers=workers)
    logger.info(
        "Built Bento %s serving BentoML model %s (%s version %s)", bento_tag, model_tag, model.name, model.version
    )
    return bento_tag


@step(enable_cache=False)
def bento_builder(
    base_image: Optional[str] = None, workers: Optional[int] = None
) -> Annotated[str, ArtifactConfig(name="bento", tags=["deployment"])]:
    """Package the pipeline's model version, which must be ``production``, as a Bento; its tag."""
    return package_production(base_image, workers)


def prove(url: str, model: Model) -> None:
    """Fail unless the service has predicted, and its ``/info/metadata`` says it serves ``model``'s version."""
    version = str(model.version)
    answered = [
        r["model_version"]
        for r in httpx.post(url + "/predict", json={"texts": SMOKE_TEXTS}, timeout=30).raise_for_status().json()
    ]
    info = httpx.get(url + "/info/metadata", timeout=30).raise_for_status().json()
    if answered != [version] * len(SMOKE_TEXTS) or (info["model_name"], info["model_version"]) != (model.name, version):
        raise RuntimeError(f"the new service at {url} serves {info} (predictions by {answered}), not version {version}")


def push_image(bento: str) -> str:
    """The Bento as a container image, pushed to the stack's registry; its reference. Built by the stack's image
    builder if it has one (Kaniko, Cloud Build: the remote stacks' steps have no Docker), else by BentoML."""
    stack = Client().active_stack
    registry = stack.container_registry
    if registry is None:
        raise RuntimeError("the active stack has no container registry to push the Bento's image to")
    if stack.image_builder is not None:
        return build_with(bento, stack.image_builder, registry)
    return containerize(bento, registry)


@step(enable_cache=False)
def bento_image(bento: str) -> Annotated[str, ArtifactConfig(name="bento_image", tags=["deployment"])]:
    """The Bento as a container image, pushed to the stack's registry; its reference."""
    return push_image(bento)


def still_serving(service: BaseDeploymentService, model: Model) -> bool:
    """Whether ``service`` still runs and proves to serve ``model``'s version."""
    try:
        prove(f"http://127.0.0.1:{service.config.port}", model)
    except (httpx.HTTPError, RuntimeError):
        return False
    return True


def stop_orphans(deployer: BentoMLModelDeployer) -> List[BaseDeploymentService]:
    """The services ZenML tracks for the deploy step, less those a running front door does not
    forward to: left by a deploy killed before its switch, they serve nobody and one of them may hold the
    port the new service needs, so they are stopped now."""
    services = deployed_services(deployer)
    active = frontdoor.active_backend()
    if active is None:
        return services
    for orphan in (s for s in services if s.config.port != active):
        logger.info("Stopping service %s on port %d, which nothing forwards to", orphan.uuid, orphan.config.port)
        deployer.delete_model_server(orphan.uuid, timeout=60, force=True)
    return [s for s in services if s.config.port == active]


def restore_front_door(
    deployer: BentoMLModelDeployer, port: int, kept: BaseDeploymentService, previous: List[BaseDeploymentService]
) -> BaseDeploymentService:
    """Only the front door was gone: it starts again in front of ``kept``, which already serves the version to
    deploy, and no new service starts; any other service ZenML tracks is stopped."""
    frontdoor.switch(port, kept.config.port)
    for other in previous:
        if other.uuid != kept.uuid:
            deployer.delete_model_server(other.uuid, timeout=60, force=True)
    logger.info("Started the front door on port %d again, in front of the running service %s", port, kept.uuid)
    return kept


@step(enable_cache=False)
def deploy(bento: str, image: Optional[str] = None, port: int = 3000, timeout: int = 300) -> BaseDeploymentService:
    """Replace the service behind the front door on ``port`` by ``bento``, without a failed request.

    ``image`` given, the Bento serves as that container image (host network), else as a local
    process. As TensorFlow Serving does: load the new version, switch, then unload the old one. The new
    Bento starts as a ZenML-tracked service on the front door's standby port and must predict; the
    front door then sends every new request to it at one moment, and the old service is stopped.
    Until the switch, any failure stops the new service and leaves the old one serving, and the
    error says why (the service's own log, or who holds the port).
    """
    frontdoor.nginx_binary()
    frontdoor.check_port(port)
    # Whichever BentoML deployer the stack has: on `local`, the corrected `bentoml_newstyle` (zenml_fixes/).
    deployer = BentoMLModelDeployer.get_active_model_deployer()
    context = get_step_context()
    previous = stop_orphans(deployer)
    if frontdoor.master() is None and (kept := next((s for s in previous if still_serving(s, context.model)), None)):
        return restore_front_door(deployer, port, kept, previous)
    backend = frontdoor.standby_port()
    common = dict(
        # ZenML's record of the service names the version it serves (and links it to that version): what
        # `make status` reads, with no copy of its own.
        model_name=context.model.name,
        model_version=str(context.model.version),
        model_uri=bento,
        bento_tag=bento,
        apis=["predict"],
        workers=serving_workers(bento),  # ZenML's default of 1 is not what the service runs
        host="127.0.0.1",
        port=backend,
        pipeline_name=context.pipeline.name,
        pipeline_step_name=context.step_run.name,
    )
    config: Union[BentoMLLocalDeploymentConfig, BentoMLContainerDeploymentConfig]
    if image is None:
        config = BentoMLLocalDeploymentConfig(**common, bento_uri="local-bento-store", working_dir=".")
        service_type = BentoMLLocalDeploymentService.SERVICE_TYPE
    else:
        config = BentoMLContainerDeploymentConfig(**common, image=image)
        service_type = BentoMLContainerDeploymentService.SERVICE_TYPE
    service = deployer.deploy_model(
        config=config,
        service_type=service_type,
        continuous_deployment_mode=False,  # ZenML would stop the old service before the new one is up
        timeout=timeout,
    )
    try:
        prove(f"http://127.0.0.1:{backend}", context.model)
        frontdoor.switch(port, backend)
    except Exception:
        deployer.delete_model_server(service.uuid, timeout=60, force=True)
        raise
    for old in previous:
        deployer.delete_model_server(old.uuid, timeout=60)
        logger.info("Stopped the previous service %s (%s)", old.uuid, old.config.bento_tag)
    logger.info("Serving %s version %s at http://127.0.0.1:%d/predict", context.model.name, context.model.version, port)
    return service

"""Deployment: the production model -> a Bento -> a local HTTP service tracked by ZenML."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Annotated, cast

from zenml import ArtifactConfig, get_step_context, log_metadata, step
from zenml.integrations.bentoml.model_deployers import BentoMLModelDeployer
from zenml.integrations.bentoml.services.bentoml_local_deployment import (
    BentoMLLocalDeploymentConfig,
    BentoMLLocalDeploymentService,
)

from review_classifier.names import TEST_METRICS
from serving.bento import build_bento, save_model
from serving.process import serving_workers, smoke_test
from steps.registry import decision_threshold, require_production

logger = logging.getLogger(__name__)
SMOKE_TEXTS = ["Love this dress, fits perfectly", "Cheap fabric, returned it"]


@step(enable_cache=False)
def bento_builder() -> Annotated[str, ArtifactConfig(name="bento", tags=["deployment"])]:
    """Package the pipeline's model version, which must be ``production``, as a Bento; its tag.

    The version's decision threshold goes into the BentoML model's metadata, which is all the service reads.
    """
    model = get_step_context().model
    require_production(model)
    threshold = decision_threshold(model)
    metrics = model.run_metadata.get(TEST_METRICS, {})
    model_tag = save_model(
        # Not model.load_artifact: it asks ZenML for an ID and a version at once, which warns.
        model.get_artifact("model").load(),
        model.get_artifact("vocabulary").load(),
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
    bento_tag = build_bento(model_tag, labels)
    logger.info(
        "Built Bento %s serving BentoML model %s (%s version %s)", bento_tag, model_tag, model.name, model.version
    )
    return bento_tag


@step(enable_cache=False)
def deploy(bento: str, port: int = 3000, timeout: int = 300) -> BentoMLLocalDeploymentService:
    """Replace the running service with ``bento`` only once ``bento`` has proved it serves.

    The new Bento is first started on a free port and must answer its readiness
    check and a prediction; only then does it replace the deployment on ``port``.
    """
    with tempfile.TemporaryDirectory() as scratch:
        smoke = smoke_test(bento, SMOKE_TEXTS, Path(scratch) / "smoke.log", timeout)
    logger.info("Smoke test of %s passed: %s", bento, smoke)

    # Whichever BentoML deployer the stack has: on `local`, the corrected `bentoml_newstyle` (zenml_fixes/).
    deployer = BentoMLModelDeployer.get_active_model_deployer()
    context = get_step_context()
    config = BentoMLLocalDeploymentConfig(
        model_name=context.model.name,
        model_uri=bento,
        bento_tag=bento,
        bento_uri="local-bento-store",
        apis=["predict"],
        workers=serving_workers(bento),  # ZenML's default of 1 is not what the service runs
        host="127.0.0.1",
        port=port,
        working_dir=".",
        pipeline_name=context.pipeline.name,
        pipeline_step_name=context.step_run.name,
    )
    service = cast(
        BentoMLLocalDeploymentService,
        deployer.deploy_model(
            config=config,
            service_type=BentoMLLocalDeploymentService.SERVICE_TYPE,
            continuous_deployment_mode=True,
            timeout=timeout,
        ),
    )
    url = f"http://127.0.0.1:{port}"  # the deployer only returns a service that answered its readiness check
    logger.info("Serving %s version %s at %s/predict", context.model.name, context.model.version, url)
    log_metadata(
        metadata={"deployment": {"url": url, "bento": bento, "service_id": str(service.uuid)}}, infer_model=True
    )
    return service

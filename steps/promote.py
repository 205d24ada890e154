"""Step 6: make the new model version ``production`` only if it beats the current one; show every version."""

from __future__ import annotations

import logging
from typing import Annotated, Any, Dict, Tuple

import pandas as pd
from zenml import ArtifactConfig, get_step_context, log_metadata, step
from zenml.client import Client
from zenml.enums import ModelStages
from zenml.types import HTMLString

from registry import decision_threshold, load_classifier, production_version, summaries
from review_classifier.dataset import LABEL, TEXT
from review_classifier.metrics import classification_metrics
from review_classifier.names import PROMOTION
from review_classifier.promotion import decide_promotion
from review_classifier.reports.versions import versions_html

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def promote(
    test_metrics: Dict[str, Any], test_set: pd.DataFrame, metric: str = "roc_auc"
) -> Tuple[
    Annotated[bool, "promoted"],
    Annotated[HTMLString, ArtifactConfig(name="model_versions", tags=["report"])],
]:
    """Re-score the production model on this run's test split and promote the better one.

    The incumbent is scored again rather than trusting its stored metrics,
    because it may have been evaluated on different data; it is scored at its
    own decision threshold, as ``test_metrics`` are at the new version's.
    The decision and its reason are recorded on the new version; the ``model_versions`` page, read back
    from the Model Control Plane afterwards, shows them with every other version in the dashboard, the
    table ``python run.py models`` prints.
    """
    context = get_step_context()
    model = context.model
    incumbent = production_version(model.name)
    production_score = None
    if incumbent is not None:
        threshold = decision_threshold(incumbent)
        probabilities = load_classifier(incumbent).predict_proba(test_set[TEXT].tolist())
        production_score = classification_metrics(test_set[LABEL].to_numpy(), probabilities, threshold)[metric]
    decision = decide_promotion(
        metric,
        test_metrics[metric],
        production_score,
        version=str(model.version),
        production_version=str(incumbent.number) if incumbent else None,
    )
    logger.info(decision.reason)
    log_metadata(
        metadata={
            PROMOTION: {
                "promoted": decision.promote,
                "reason": decision.reason,
                "metric": metric,
                "production_version": incumbent.number if incumbent else None,
                "production_score_on_same_test": production_score,
            }
        },
        infer_model=True,
    )
    if decision.promote:
        model.set_stage(ModelStages.PRODUCTION, force=True)
    title = f"{model.name}: model versions after run {context.pipeline_run.name}"
    page = versions_html(summaries(Client(), model.name), title, current=model.number)
    return decision.promote, HTMLString(page)

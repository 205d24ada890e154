"""Step 6: make the new model version ``production`` only if it beats the current one."""

from __future__ import annotations

import logging
from typing import Any, Dict

import pandas as pd
from zenml import get_step_context, log_metadata, step
from zenml.enums import ModelStages

from review_classifier.dataset import LABEL, TEXT
from review_classifier.metrics import classification_metrics
from review_classifier.promotion import decide_promotion
from steps.registry import load_classifier, production_version

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def promote(test_metrics: Dict[str, Any], test_set: pd.DataFrame, metric: str = "roc_auc") -> bool:
    """Re-score the production model on this run's test split and promote the better one.

    The incumbent is scored again rather than trusting its stored metrics,
    because it may have been evaluated on different data.
    """
    model = get_step_context().model
    incumbent = production_version(model.name)
    production_score = None
    if incumbent is not None:
        probabilities = load_classifier(incumbent).predict_proba(test_set[TEXT].tolist())
        production_score = classification_metrics(test_set[LABEL].to_numpy(), probabilities)[metric]
    decision = decide_promotion(
        metric, test_metrics[metric], production_score, incumbent.name if incumbent else None
    )
    logger.info("Promotion of version %s: %s", model.version, decision.reason)
    log_metadata(
        metadata={"promotion": {"promoted": decision.promote, "reason": decision.reason, "metric": metric,
                                "production_score_on_same_test": production_score}},
        infer_model=True,
    )
    if decision.promote:
        model.set_stage(ModelStages.PRODUCTION, force=True)
    return decision.promote

"""Step 4b: the raw-text baselines the model must match, fitted on the same splits."""

from __future__ import annotations

import logging
from typing import Annotated, Any, Dict

import pandas as pd
from zenml import ArtifactConfig, step

from review_classifier.baseline import BASELINES, BaselineSettings, raw_text_baselines
from review_classifier.dataset import LABEL, TEXT
from steps.caching import project_code_policy

logger = logging.getLogger(__name__)


@step(cache_policy=project_code_policy(__name__))
def baseline(
    train_set: pd.DataFrame,
    validation_set: pd.DataFrame,
    test_set: pd.DataFrame,
    decision_threshold: float = 0.5,
) -> Annotated[Dict[str, Any], ArtifactConfig(name="baseline_metrics", tags=["metrics"])]:
    """Fit each baseline on the training split's raw text, choose C on validation, score the test split.

    Same rows as the Keras model and the same decision threshold, so the lift is the model's; the raw
    text, not the model's tokens, so the normalization is judged too.
    """
    metrics = raw_text_baselines(
        *((part[TEXT].tolist(), part[LABEL].to_numpy()) for part in (train_set, validation_set, test_set)),
        BaselineSettings(decision_threshold=decision_threshold),
    )
    for name, found in metrics["baselines"].items():
        logger.info(
            "Baseline %s, C=%s: validation ROC-AUC %.4f; test accuracy %.4f, ROC-AUC %.4f",
            BASELINES[name],
            found["C"],
            found["validation_roc_auc"],
            found["accuracy"],
            found["roc_auc"],
        )
    logger.info("Best baseline on validation: %s", BASELINES[metrics["baseline"]])
    return metrics

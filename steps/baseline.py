"""Step 4b: the TF-IDF + logistic regression baseline the model must beat, on the same splits."""

from __future__ import annotations

import logging
from typing import Annotated, Any, Dict

import pandas as pd
from zenml import ArtifactConfig, step

from review_classifier.baseline import BaselineSettings, tfidf_baseline
from review_classifier.dataset import LABEL
from steps.caching import project_code_policy
from steps.preprocess import TOKENS

logger = logging.getLogger(__name__)


@step(cache_policy=project_code_policy(__name__))
def baseline(
    train_set: pd.DataFrame,
    validation_set: pd.DataFrame,
    test_set: pd.DataFrame,
    decision_threshold: float = 0.5,
) -> Annotated[Dict[str, Any], ArtifactConfig(name="baseline_metrics", tags=["metrics"])]:
    """Fit the baseline on the training split's tokens, choose C on validation, score the test split.

    Same tokens and rows as the Keras model, and the same decision threshold, so the lift is the model's.
    """
    metrics = tfidf_baseline(
        *((part[TOKENS].tolist(), part[LABEL].to_numpy()) for part in (train_set, validation_set, test_set)),
        BaselineSettings(decision_threshold=decision_threshold),
    )
    logger.info(
        "Baseline (TF-IDF + logistic regression, C=%s): test accuracy %.4f, ROC-AUC %.4f",
        metrics["C"],
        metrics["accuracy"],
        metrics["roc_auc"],
    )
    return metrics

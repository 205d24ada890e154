"""Step 5: test-split metrics and the dashboard report."""

from __future__ import annotations

import logging
from typing import Annotated, Any, Dict, Tuple

import keras
import pandas as pd
from zenml import ArtifactConfig, get_step_context, log_metadata, step
from zenml.types import HTMLString

from review_classifier.baseline import BASELINES
from review_classifier.dataset import LABEL, TEXT
from review_classifier.explain import Explainer
from review_classifier.inference import ReviewClassifier
from review_classifier.metrics import (
    classification_metrics,
    lift_over,
    roc_points,
)
from review_classifier.names import BASELINE_METRICS, DECISION_THRESHOLD, LIFT, TEST_METRICS
from review_classifier.reports.evaluation import evaluation_html
from review_classifier.reports.explanations import explanations_html
from review_classifier.vocabulary import Vocabulary

logger = logging.getLogger(__name__)


# Never cached: it records the metrics on *this run's* model version, even when
# training itself was a cache hit.
@step(enable_cache=False)
def evaluate(
    model: keras.Model,
    vocabulary: Vocabulary,
    test_set: pd.DataFrame,
    training_summary: Dict[str, Any],
    baseline_metrics: Dict[str, Any],
    decision_threshold: float,
) -> Tuple[
    Annotated[Dict[str, Any], ArtifactConfig(name="test_metrics", tags=["metrics"])],
    Annotated[HTMLString, ArtifactConfig(name="evaluation_report", tags=["report"])],
]:
    """Score the raw test texts through the serving code path; record metrics and training on the model version.

    The report also explains the model (review_classifier/reports/explanations.py): its largest feature weights,
    its most confident errors on the test split, and the wide and deep parts' shares of the logit's variance.

    The baseline's figures on the same split, and the model's lift over them, go on the version next to the
    model's. The decision threshold is recorded on the model version too: every later
    user of the version (promotion, batch inference, the Bento) reads it there.
    """
    classifier = ReviewClassifier(model, vocabulary)
    texts = test_set[TEXT].tolist()
    probabilities = classifier.predict_proba(texts)
    labels = test_set[LABEL].to_numpy()
    metrics = classification_metrics(labels, probabilities, decision_threshold)
    logger.info(
        "Test: accuracy %.4f at threshold %s, ROC-AUC %.4f, PR-AUC %.4f (majority baseline %.4f)",
        metrics["accuracy"],
        decision_threshold,
        metrics["roc_auc"],
        metrics["pr_auc"],
        metrics["majority_baseline_accuracy"],
    )
    lift = lift_over(metrics, baseline_metrics)
    logger.info(
        "Lift over the best raw-text baseline (%s): accuracy %+.4f, ROC-AUC %+.4f",
        BASELINES[baseline_metrics["baseline"]],
        lift["accuracy"],
        lift["roc_auc"],
    )
    log_metadata(
        metadata={
            TEST_METRICS: metrics,
            BASELINE_METRICS: baseline_metrics,
            LIFT: lift,
            "training": training_summary,
            DECISION_THRESHOLD: decision_threshold,
        },
        infer_model=True,
    )
    context = get_step_context()
    title = f"{context.model.name} version {context.model.version}: test evaluation"
    explanations = explanations_html(
        texts, labels, probabilities, decision_threshold, Explainer(classifier).explain(texts)
    )
    report = evaluation_html(metrics, roc_points(labels, probabilities), title, baseline_metrics, explanations)
    return metrics, HTMLString(report)

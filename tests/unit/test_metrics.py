"""Metrics, the quality gate and the promotion rule."""

import numpy as np
import pytest

from review_classifier.metrics import classification_metrics, labels_of, roc_points, unmet_thresholds
from review_classifier.promotion import decide_promotion

LABELS = np.array([1, 1, 1, 1, 0, 0])
PROBS = np.array([0.9, 0.8, 0.7, 0.3, 0.6, 0.1])


def test_metrics_by_hand() -> None:
    m = classification_metrics(LABELS, PROBS)
    # predicted 1,1,1,0,1,0 -> TP 3, FN 1, FP 1, TN 1
    assert m["confusion_matrix"] == [[1, 1], [1, 3]]
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["per_class"]["positive"]["precision"] == pytest.approx(3 / 4)
    assert m["per_class"]["positive"]["recall"] == pytest.approx(3 / 4)
    assert m["per_class"]["negative"]["f1-score"] == pytest.approx(0.5)
    # 8 positive/negative pairs, 7 ranked right
    assert m["roc_auc"] == pytest.approx(7 / 8)
    assert m["majority_class"] == "positive"
    assert m["majority_baseline_accuracy"] == pytest.approx(4 / 6)
    # positives at ranks 1, 2, 3 and 5: average precision (1 + 1 + 1 + 4/5) / 4
    assert m["pr_auc"] == pytest.approx(0.95)


def test_threshold_moves_predictions() -> None:
    assert classification_metrics(LABELS, PROBS, threshold=0.65)["confusion_matrix"] == [[2, 0], [1, 3]]


def test_labels_follow_the_threshold_inclusively() -> None:
    assert labels_of([0.5, 0.49, 0.9], threshold=0.5) == ["positive", "negative", "positive"]
    assert labels_of([0.5, 0.9], threshold=0.95) == ["negative", "negative"]


def test_roc_points_by_hand() -> None:
    # thresholds 0.9, 0.8 (collinear, dropped), 0.7, 0.6, 0.3, 0.1
    assert roc_points(LABELS, PROBS) == {"fpr": [0, 0, 0, 0.5, 0.5, 1], "tpr": [0, 0.25, 0.75, 0.75, 1, 1]}


def test_quality_gate_lists_every_unmet_minimum() -> None:
    metrics = {"accuracy": 0.8, "roc_auc": 0.95}
    assert unmet_thresholds(metrics, {"accuracy": 0.9, "roc_auc": 0.9}) == {"accuracy": (0.8, 0.9)}
    assert unmet_thresholds(metrics, {}) == {}
    with pytest.raises(ValueError, match="unknown metric"):
        unmet_thresholds(metrics, {"f1": 0.5})


def test_promotion_needs_a_strict_improvement() -> None:
    assert decide_promotion("roc_auc", 0.90, None).promote
    assert decide_promotion("roc_auc", 0.91, 0.90, "3").promote
    tie = decide_promotion("roc_auc", 0.90, 0.90, "3")
    assert not tie.promote and "version 3" in tie.reason
    assert not decide_promotion("roc_auc", 0.80, 0.90).promote

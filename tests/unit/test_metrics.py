"""The decision rule, metrics, the quality gate and the promotion rule."""

import numpy as np
import pytest

from review_classifier.decision import MissingThresholdError, check_threshold, labels_of, stored_threshold
from review_classifier.metrics import (
    baseline_not_beaten,
    classification_metrics,
    lift_over,
    roc_points,
    unmet_thresholds,
)
from review_classifier.promotion import decide_promotion

LABELS = np.array([1, 1, 1, 1, 0, 0])
PROBS = np.array([0.9, 0.8, 0.7, 0.3, 0.6, 0.1])


def test_metrics_by_hand() -> None:
    m = classification_metrics(LABELS, PROBS, 0.5)
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
    metrics = classification_metrics(LABELS, PROBS, 0.65)
    assert metrics["confusion_matrix"] == [[2, 0], [1, 3]] and metrics["threshold"] == 0.65
    assert metrics["accuracy"] == pytest.approx(5 / 6)


@pytest.mark.parametrize("threshold", [0.0, 1.0, -0.1, 1.5])
def test_a_threshold_must_lie_strictly_between_0_and_1(threshold: float) -> None:
    with pytest.raises(ValueError, match=f"decision_threshold must be strictly between 0 and 1, got {threshold}"):
        check_threshold(threshold)


def test_the_threshold_is_read_from_metadata_and_its_absence_names_the_owner() -> None:
    assert stored_threshold({"decision_threshold": 0.7}, "m version 2") == 0.7
    # Older versions: the threshold their test metrics were computed (and served) at.
    assert stored_threshold({"test_metrics": {"threshold": 0.5}}, "m version 1") == 0.5
    with pytest.raises(MissingThresholdError, match="^m version 1 has no 'decision_threshold' metadata"):
        stored_threshold({"test_metrics": {}}, "m version 1")


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
    assert decide_promotion("roc_auc", 0.90, None, version="4", production_version=None).promote
    assert decide_promotion("roc_auc", 0.91, 0.90, version="4", production_version="3").promote
    assert not decide_promotion("roc_auc", 0.90, 0.90, version="4", production_version="3").promote
    assert not decide_promotion("roc_auc", 0.80, 0.90, version="4", production_version="3").promote


def test_promotion_reasons_say_what_happened_to_both_versions() -> None:
    assert decide_promotion("roc_auc", 0.9312, 0.934, version="5", production_version="1").reason == (
        "version 5 not promoted: ROC-AUC 0.9312 does not beat production version 1 (0.9340) on this test split; "
        "production stays version 1"
    )
    assert decide_promotion("accuracy", 0.95, 0.9, version="6", production_version="1").reason == (
        "version 6 promoted: accuracy 0.9500 beats production version 1 (0.9000) on this test split; "
        "production is now version 6"
    )
    assert decide_promotion("pr_auc", 0.99, None, version="1", production_version=None).reason == (
        "version 1 promoted: no production version yet (PR-AUC 0.9900); production is now version 1"
    )


def test_lift_is_the_model_minus_the_baseline_on_each_compared_metric() -> None:
    model = {"accuracy": 0.93, "roc_auc": 0.97, "pr_auc": 0.99, "n_examples": 10}
    baseline = {"accuracy": 0.91, "roc_auc": 0.96, "pr_auc": 0.992, "C": 4.0}
    assert lift_over(model, baseline) == pytest.approx({"accuracy": 0.02, "roc_auc": 0.01, "pr_auc": -0.002})


def test_the_baseline_is_beaten_only_by_a_strictly_better_model() -> None:
    baseline = {"roc_auc": 0.96, "accuracy": 0.91}
    assert not baseline_not_beaten({"roc_auc": 0.9601, "accuracy": 0.5}, baseline, "roc_auc")
    assert baseline_not_beaten({"roc_auc": 0.96, "accuracy": 0.99}, baseline, "roc_auc")  # a tie does not beat it
    assert baseline_not_beaten({"roc_auc": 0.95, "accuracy": 0.99}, baseline, "roc_auc")
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        baseline_not_beaten({"roc_auc": 0.97}, baseline, "f1")

"""Test-set metrics, computed with scikit-learn, in a shape ZenML can store as metadata."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Sequence

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    classification_report,
    confusion_matrix,
    roc_auc_score,
    roc_curve,
)

from review_classifier.decision import CLASS_NAMES, predicted_classes


def classification_metrics(labels: np.ndarray, probabilities: np.ndarray, threshold: float) -> Dict[str, Any]:
    """Accuracy, per-class precision/recall/F1, ROC-AUC, PR-AUC, confusion matrix, baseline.

    The majority-class baseline is the accuracy of always predicting the most
    frequent class: on imbalanced reviews it is what "accuracy" must beat.
    """
    labels = np.asarray(labels).astype(int)
    predicted = predicted_classes(probabilities, threshold)
    report = classification_report(
        labels, predicted, labels=[0, 1], target_names=list(CLASS_NAMES), output_dict=True, zero_division=0
    )
    per_class = {
        name: {k: float(report[name][k]) for k in ("precision", "recall", "f1-score", "support")}
        for name in CLASS_NAMES
    }
    majority = int(np.bincount(labels, minlength=2).argmax())
    return {
        "n_examples": int(len(labels)),
        "threshold": float(threshold),
        "accuracy": float(accuracy_score(labels, predicted)),
        "roc_auc": float(roc_auc_score(labels, probabilities)),
        "pr_auc": float(average_precision_score(labels, probabilities)),
        "per_class": per_class,
        "confusion_matrix": confusion_matrix(labels, predicted, labels=[0, 1]).tolist(),
        "predicted_positive_rate": float(predicted.mean()),
        "majority_class": CLASS_NAMES[majority],
        "majority_baseline_accuracy": float(np.mean(labels == majority)),
    }


def roc_points(labels: np.ndarray, probabilities: np.ndarray) -> Dict[str, Sequence[float]]:
    """False/true positive rates of the ROC curve, for plotting."""
    fpr, tpr, _ = roc_curve(labels, probabilities)
    return {"fpr": fpr.tolist(), "tpr": tpr.tolist()}


def unmet_thresholds(metrics: Dict[str, Any], minimums: Dict[str, float]) -> Dict[str, tuple]:
    """The gate's failures: ``{metric: (value, minimum)}`` for every metric below its minimum."""
    unknown = set(minimums) - set(metrics)
    if unknown:
        raise ValueError(f"quality gate names unknown metric(s) {sorted(unknown)}")
    return {name: (metrics[name], floor) for name, floor in minimums.items() if metrics[name] < floor}


#: The metrics compared with the baseline: model, baseline and lift on the same test split.
COMPARED_METRICS = ("accuracy", "roc_auc", "pr_auc")


def lift_over(metrics: Mapping[str, Any], baseline: Mapping[str, Any]) -> Dict[str, float]:
    """Model minus baseline for each of :data:`COMPARED_METRICS` (positive: the model is better)."""
    return {name: float(metrics[name]) - float(baseline[name]) for name in COMPARED_METRICS}


def baseline_not_beaten(metrics: Mapping[str, Any], baseline: Mapping[str, Any], metric: str) -> bool:
    """True unless the model is strictly better than the baseline on ``metric`` (a tie does not beat it)."""
    if metric not in metrics or metric not in baseline:
        raise ValueError(f"the baseline comparison names unknown metric {metric!r}")
    return not float(metrics[metric]) > float(baseline[metric])

"""Test-set metrics, computed with scikit-learn, in a shape ZenML can store as metadata."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Sequence

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    classification_report,
    confusion_matrix,
    roc_auc_score,
    roc_curve,
)

from review_classifier.names import DECISION_THRESHOLD, TEST_METRICS

CLASS_NAMES = ("negative", "positive")


class MissingThresholdError(RuntimeError):
    """A model stored before the decision threshold was stored with it."""


def check_threshold(threshold: float) -> float:
    """``threshold`` itself; a probability cut at 0 or 1 would give every text the same label."""
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"decision_threshold must be strictly between 0 and 1, got {threshold}")
    return float(threshold)


def stored_threshold(metadata: Mapping[str, Any], owner: str) -> float:
    """The decision threshold ``owner`` (a model version, a BentoML model) was trained with.

    Models stored before the threshold was part of the model have no
    ``decision_threshold``, but their test metrics record the threshold they were
    evaluated (and served) at, so an upgraded project keeps its production model.
    A model with neither is refused by name rather than silently given a value.
    """
    if DECISION_THRESHOLD in metadata:
        return check_threshold(float(metadata[DECISION_THRESHOLD]))
    legacy = (metadata.get(TEST_METRICS) or {}).get("threshold")
    if legacy is not None:
        return check_threshold(float(legacy))
    raise MissingThresholdError(
        f"{owner} has no '{DECISION_THRESHOLD}' metadata (nor test metrics recording a threshold); "
        "train a new version (or archive this one with `zenml model version update MODEL VERSION --stage archived`)"
    )


def predicted_classes(probabilities: np.ndarray, threshold: float) -> np.ndarray:
    """0/1 per probability: the one decision rule evaluation, batch inference and serving share."""
    return (np.asarray(probabilities) >= threshold).astype(int)


def labels_of(probabilities: np.ndarray, threshold: float) -> List[str]:
    """The class name each probability stands for."""
    return [CLASS_NAMES[c] for c in predicted_classes(probabilities, threshold)]


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

"""The decision rule: a probability's label under a model's decision threshold, shared by evaluation, batch
inference and serving.

Apart from the metrics (review_classifier/metrics.py, scikit-learn) so that the serving process, which loads
only this, starts without importing scikit-learn, SciPy and pandas.
"""

from __future__ import annotations

from typing import Any, List, Mapping

import numpy as np

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

"""Calibration of a trained candidate on validation: how far to trust each part, and probabilities
that mean what they say.

The wide part is a logistic regression fitted to the training rows, and the deep part learns on top
of it from those same rows, so their summed logit is too sure of itself on new texts (on the
bundled reviews it also leans to the majority class, on the tweets the deep part's share is worth
little more than half of what training gave it). A logistic regression of the validation labels on
the parts' logits (Platt scaling, one weight per part) gives ``w_wide * wide + w_deep * deep + b``,
kept in the model's frozen ``calibration`` layer: the served probability is calibrated and the 0.5
decision threshold is the accuracy-optimal cut it is meant to be. For the wide part alone it is a
rescaling, which keeps the order of the texts and so the ROC-AUC.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any, Dict, List

import keras
import numpy as np
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

from review_classifier.model import CALIBRATION_LAYER, logit_parts

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Calibration:
    """One weight per part of the model (``parts``: wide, then deep) and what they did to the
    validation log loss."""

    parts: List[str]
    weights: List[float]
    intercept: float
    validation_log_loss_before: float
    validation_log_loss_after: float

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)


def calibrate(model: keras.Model, x_val: np.ndarray, y_val: np.ndarray) -> Calibration:
    """Fit the weights on the validation split and set them into ``model``.

    A part whose weight comes out not positive does not help on validation, given the others: it
    is weighted 0 and the rest refitted (a deep part that only learned the training rows leaves the
    calibrated wide part). With no part left the model ranks validation backwards: it is then left
    as trained, and the sweep and the quality gate judge it as it is.
    """
    layer = model.get_layer(CALIBRATION_LAYER)
    parts = logit_parts(model)
    logits = _part_logits(keras.Model(model.input, layer.input), x_val)
    weights, intercept = np.ones(len(parts)), 0.0
    used = list(range(len(parts)))
    while used:
        regression = LogisticRegression(C=np.inf).fit(logits[:, used], y_val)
        fitted = regression.coef_[0]
        if (fitted > 0.0).all():
            weights = np.zeros(len(parts))
            weights[used], intercept = fitted, float(regression.intercept_[0])
            break
        dropped = used.pop(int(np.argmin(fitted)))
        logger.warning(
            "Calibration: the %s does not help on validation (weight %.3g); weighted 0", parts[dropped], fitted.min()
        )
    else:
        logger.warning("Calibration: no part ranks validation the right way round; left as trained")
    layer.set_weights([weights[:, None].astype("float32"), np.array([intercept], dtype="float32")])
    before = float(log_loss(y_val, expit(logits.sum(axis=1)), labels=[0, 1]))
    after = float(log_loss(y_val, expit(logits @ weights + intercept), labels=[0, 1]))
    logger.info(
        "Calibration: %s %+.3f, validation log loss %.4f -> %.4f",
        " + ".join(f"{w:.3f} x {p}" for w, p in zip(weights, parts, strict=True)),
        intercept,
        before,
        after,
    )
    return Calibration(parts, weights.tolist(), intercept, before, after)


def _part_logits(parts: keras.Model, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """(rows, parts) logits, called in chunks: ``predict`` would trace a new function per candidate."""
    chunks = [np.asarray(parts(x[i : i + batch_size], training=False)) for i in range(0, len(x), batch_size)]
    return np.concatenate(chunks).astype(np.float64).reshape(len(x), -1)

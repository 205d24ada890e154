"""Platt scaling of the chosen model on validation: probabilities that mean what they say.

The wide part is a logistic regression fitted to the training rows, and the deep part learns on top
of it from those same rows, so the model's raw logit is too sure of itself on new texts (and, on the
bundled reviews, leans to the majority class). A one-feature logistic regression of the validation
labels on the validation logits rescales it: ``a * logit + b``, kept in the model's frozen
``calibration`` layer, so the served probability is calibrated and the 0.5 decision threshold is the
accuracy-optimal one it is meant to be. ``a > 0`` keeps the order of the texts, so ROC-AUC and the
sweep's choice do not change.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any, Dict

import keras
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

from review_classifier.model import CALIBRATION_LAYER, inference_function

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Calibration:
    """The rescaling ``slope * logit + intercept`` and what it did to the validation log loss."""

    slope: float
    intercept: float
    validation_log_loss_before: float
    validation_log_loss_after: float

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)


def calibrate(model: keras.Model, x_val: np.ndarray, y_val: np.ndarray) -> Calibration:
    """Fit the rescaling on the validation split and set it into ``model``.

    A slope that is not positive (the logit does not rank validation texts the right way round)
    would reverse the model's order: the model is then left as it is, and the quality gate judges it.
    """
    layer = model.get_layer(CALIBRATION_LAYER)
    raw = inference_function(keras.Model(model.inputs, layer.input))(x_val)
    regression = LogisticRegression(C=np.inf).fit(raw[:, None], y_val)
    slope, intercept = float(regression.coef_[0, 0]), float(regression.intercept_[0])
    before = float(log_loss(y_val, _sigmoid(raw), labels=[0, 1]))
    if slope <= 0.0:
        logger.warning("Calibration: validation logits do not rank the classes (slope %.3g); left as trained", slope)
        slope, intercept = 1.0, 0.0
    layer.set_weights([np.array([[slope]], dtype="float32"), np.array([intercept], dtype="float32")])
    after = float(log_loss(y_val, _sigmoid(slope * raw + intercept), labels=[0, 1]))
    logger.info("Calibration: logit x %.3f %+.3f, validation log loss %.4f -> %.4f", slope, intercept, before, after)
    return Calibration(slope, intercept, before, after)


def _sigmoid(logit: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-logit))

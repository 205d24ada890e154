"""Seeded training and the hyperparameter sweep.

Early stopping and model selection only ever look at the validation split: the
test split is kept for the final, unbiased evaluation. The wide part is fitted once
per distinct wide setting and shared by the candidates that use it; every candidate is
calibrated on validation (review_classifier/calibration.py) before the candidates are compared.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import keras
import numpy as np
from sklearn.metrics import roc_auc_score

from review_classifier.calibration import Calibration, calibrate
from review_classifier.model import WIDE_LOGIT, build_model, inference_function
from review_classifier.model_settings import ModelSettings
from review_classifier.wide import WideFit
from review_classifier.wide_fit import fit_wide, refit_wide

logger = logging.getLogger(__name__)


@dataclass
class Candidate:
    """One trained candidate of the sweep and how it did on validation."""

    settings: ModelSettings
    model: keras.Model
    validation_roc_auc: float
    epochs_trained: int
    history: Dict[str, List[float]]
    wide: WideFit
    calibration: Calibration


def fit(
    settings: ModelSettings,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    *,
    vocab_size: int,
    seed: int,
    wide: WideFit,
    verbose: int = 2,
) -> Candidate:
    """Train one candidate's deep part over the fitted ``wide`` one, keeping its best validation epoch,
    then calibrate it; its validation ROC-AUC is the calibrated model's, the one that would be served.

    The linear candidate (``deep=False``) is the wide part alone: nothing left to train.
    """
    keras.utils.set_random_seed(seed)
    model = build_model(vocab_size, x_train.shape[1], settings, wide)
    history: Dict[str, List[float]] = {}
    if settings.deep:
        stop = keras.callbacks.EarlyStopping(
            monitor="val_auc", mode="max", patience=settings.patience, restore_best_weights=True
        )
        history = model.fit(
            x_train,
            y_train,
            validation_data=(x_val, y_val),
            epochs=settings.epochs,
            batch_size=settings.batch_size,
            callbacks=[stop],
            verbose=verbose,
        ).history
    calibration = calibrate(model, x_val, y_val)
    probabilities = inference_function(model)(x_val)
    return Candidate(
        settings=settings,
        model=model,
        validation_roc_auc=float(roc_auc_score(y_val, probabilities)),
        epochs_trained=len(history.get("loss", [])),
        history={k: [float(v) for v in values] for k, values in history.items()},
        wide=wide,
        calibration=calibration,
    )


def sweep(
    candidates: Sequence[ModelSettings],
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    *,
    vocab_size: int,
    seed: int,
    verbose: int = 2,
) -> tuple[Candidate, List[Candidate]]:
    """Train every candidate; the best by validation ROC-AUC wins (first one on ties).

    With its ``refit_wide`` the winner's wide part is then fitted again on train + validation, with the C
    and calibration chosen on validation: the validation rows have done their job, and on a small dataset
    a tenth more texts is worth more to the linear model than the choices they would still check.
    """
    if not candidates:
        raise ValueError("the sweep needs at least one candidate setting")
    wide_fits = {
        key: _fit_wide(key, x_train, y_train, x_val, y_val, vocab_size)
        for key in dict.fromkeys(map(_wide_key, candidates))
    }
    trained = []
    for i, settings in enumerate(candidates, start=1):
        logger.info("Sweep candidate %d/%d: %s", i, len(candidates), settings.model_dump())
        candidate = fit(
            settings,
            x_train,
            y_train,
            x_val,
            y_val,
            vocab_size=vocab_size,
            seed=seed,
            wide=wide_fits[_wide_key(settings)],
            verbose=verbose,
        )
        logger.info(
            "Sweep candidate %d/%d: validation ROC-AUC %.4f after %d epochs",
            i,
            len(candidates),
            candidate.validation_roc_auc,
            candidate.epochs_trained,
        )
        trained.append(candidate)
    best = max(trained, key=lambda c: c.validation_roc_auc)
    if best.settings.refit_wide:
        best.wide = refit_wide(
            best.wide,
            np.concatenate([x_train, x_val]),
            np.concatenate([y_train, y_val]),
            vocab_size=vocab_size,
            bigram_buckets=best.settings.bigram_buckets,
            min_df=best.settings.wide_min_df,
        )
        best.wide.set_into(best.model.get_layer(WIDE_LOGIT))
        logger.info("Wide part of the chosen candidate refitted on train + validation (C %g)", best.wide.c)
    return best, trained


WideKey = Tuple[int, Tuple[float, ...], int]


def _wide_key(settings: ModelSettings) -> WideKey:
    """The settings a wide fit depends on: candidates that share them share the fit."""
    return settings.bigram_buckets, tuple(settings.wide_c), settings.wide_min_df


def _fit_wide(
    key: WideKey, x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray, vocab_size: int
) -> WideFit:
    bigram_buckets, c_grid, min_df = key
    wide = fit_wide(
        x_train,
        y_train,
        x_val,
        y_val,
        vocab_size=vocab_size,
        bigram_buckets=bigram_buckets,
        c_grid=c_grid,
        min_df=min_df,
    )
    logger.info(
        "Wide part: TF-IDF + logistic regression, C %g, validation ROC-AUC %.4f", wide.c, wide.validation_roc_auc
    )
    return wide

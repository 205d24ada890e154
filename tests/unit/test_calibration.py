"""Calibration on validation: one weight per part of the model, fitted to held-out labels."""

import logging

import keras
import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

from review_classifier.calibration import calibrate
from review_classifier.model import CALIBRATION_LAYER, build_model, inference_function
from review_classifier.training import fit
from review_classifier.wide_fit import fit_wide
from tests.unit.test_model import LINEAR, TINY, toy_data

TRAIN, VALIDATION, HELD_OUT = slice(0, 200), slice(200, 300), slice(300, None)


def noisy_data(n: int = 400, seed: int = 3):
    """Label 1 iff token 2 appears, with a fifth of the labels flipped: no model can be sure."""
    x, y = toy_data(n, seed=seed)
    flip = np.random.default_rng(seed).random(n) < 0.2
    return x, np.where(flip, 1 - y, y).astype("float32")


def uncalibrated(settings, x, y):
    """A candidate trained by the sweep's ``fit``, its calibration layer set back to the plain sum."""
    settings = settings.model_copy(update={"learning_rate": 0.05, "epochs": 6, "wide_c": [1000.0], "wide_min_df": 1})
    wide = fit_wide(
        x[TRAIN], y[TRAIN], x[VALIDATION], y[VALIDATION], vocab_size=20, bigram_buckets=64, c_grid=[1000.0], min_df=1
    )
    candidate = fit(
        settings, x[TRAIN], y[TRAIN], x[VALIDATION], y[VALIDATION], vocab_size=20, seed=0, wide=wide, verbose=0
    )
    layer = candidate.model.get_layer(CALIBRATION_LAYER)
    layer.set_weights([np.ones_like(layer.get_weights()[0]), np.zeros(1, dtype="float32")])
    return candidate.model


def part_logits(model, x):
    return keras.Model(model.input, model.get_layer(CALIBRATION_LAYER).input).predict(x, verbose=0)


def test_calibration_weighs_the_parts_on_validation_and_lowers_the_log_loss(tmp_path) -> None:
    x, y = noisy_data()
    model = uncalibrated(TINY, x, y)
    before = inference_function(model)(x)
    calibration = calibrate(model, x[VALIDATION], y[VALIDATION])
    after = inference_function(model)(x)
    assert calibration.parts == ["wide_logit", "deep_logit"]
    assert calibration.weights[0] > 0 and calibration.weights[1] >= 0  # the toy deep part adds next to nothing
    assert calibration.validation_log_loss_after < calibration.validation_log_loss_before
    np.testing.assert_allclose(
        calibration.validation_log_loss_after, log_loss(y[VALIDATION], after[VALIDATION]), rtol=1e-4
    )
    expected = 1 / (1 + np.exp(-(part_logits(model, x) @ np.array(calibration.weights) + calibration.intercept)))
    np.testing.assert_allclose(after, expected, atol=1e-6)
    assert log_loss(y[HELD_OUT], after[HELD_OUT]) < log_loss(y[HELD_OUT], before[HELD_OUT])
    path = tmp_path / "calibrated.keras"
    model.save(path)
    np.testing.assert_allclose(inference_function(keras.models.load_model(path))(x), after, atol=1e-7)


def test_the_linear_candidate_is_rescaled_so_its_ranking_does_not_change() -> None:
    x, y = noisy_data()
    model = uncalibrated(LINEAR, x, y)
    raw = part_logits(model, x[HELD_OUT]).ravel()
    calibration = calibrate(model, x[VALIDATION], y[VALIDATION])
    assert calibration.parts == ["wide_logit"] and calibration.weights[0] > 0
    assert roc_auc_score(y[HELD_OUT], inference_function(model)(x[HELD_OUT])) == roc_auc_score(y[HELD_OUT], raw)


def test_logits_that_rank_validation_backwards_are_left_as_trained(caplog) -> None:
    x, y = noisy_data()
    model = uncalibrated(TINY, x, y)
    before = inference_function(model)(x)
    with caplog.at_level(logging.WARNING, logger="review_classifier.calibration"):
        calibration = calibrate(model, x[VALIDATION], 1 - y[VALIDATION])
    assert (calibration.weights, calibration.intercept) == ([1.0, 1.0], 0.0)
    assert "no part ranks validation the right way round; left as trained" in caplog.text
    np.testing.assert_allclose(inference_function(model)(x), before, atol=1e-7)


def test_a_part_that_does_not_help_on_validation_is_weighted_zero(caplog) -> None:
    """Validation labels that follow the wide logit and go against the deep one: the deep part gets 0."""
    x, y = noisy_data()
    model = uncalibrated(TINY, x, y)
    wide, deep = part_logits(model, x[VALIDATION]).T
    noise = np.random.default_rng(0).normal(size=len(wide))
    labels = (wide / wide.std() - deep / deep.std() + noise > np.median(wide / wide.std())).astype("float32")
    with caplog.at_level(logging.WARNING, logger="review_classifier.calibration"):
        calibration = calibrate(model, x[VALIDATION], labels)
    assert calibration.weights[1] == 0.0 < calibration.weights[0]
    assert "the deep_logit does not help on validation" in caplog.text


def test_the_sweep_compares_candidates_as_calibrated() -> None:
    """Each candidate's validation ROC-AUC is that of the calibrated model it would serve."""
    x, y = noisy_data()
    wide = fit_wide(
        x[TRAIN], y[TRAIN], x[VALIDATION], y[VALIDATION], vocab_size=20, bigram_buckets=64, c_grid=[1.0], min_df=1
    )
    candidate = fit(TINY, x[TRAIN], y[TRAIN], x[VALIDATION], y[VALIDATION], vocab_size=20, seed=0, wide=wide, verbose=0)
    served = inference_function(candidate.model)(x[VALIDATION])
    assert candidate.validation_roc_auc == roc_auc_score(y[VALIDATION], served)
    np.testing.assert_allclose(
        candidate.calibration.validation_log_loss_after, log_loss(y[VALIDATION], served), rtol=1e-6
    )


def test_an_uncalibrated_model_adds_its_parts_logits() -> None:
    x, _ = toy_data()
    model = build_model(vocab_size=20, sequence_length=x.shape[1], settings=TINY)
    logits = part_logits(model, x)
    assert logits.shape == (len(x), 2)
    np.testing.assert_allclose(inference_function(model)(x), 1 / (1 + np.exp(-logits.sum(axis=1))), atol=1e-6)

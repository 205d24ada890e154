"""Platt scaling on validation: it changes the probabilities, never the order of the texts."""

import logging

import keras
import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

from review_classifier.calibration import calibrate
from review_classifier.model import CALIBRATION_LAYER, build_model, inference_function
from review_classifier.training import fit
from review_classifier.wide import fit_wide
from tests.unit.test_model import TINY, toy_data


def noisy_data(n: int = 400, seed: int = 3):
    """Label 1 iff token 2 appears, with a fifth of the labels flipped: no model can be sure."""
    x, y = toy_data(n, seed=seed)
    flip = np.random.default_rng(seed).random(n) < 0.2
    return x, np.where(flip, 1 - y, y).astype("float32")


def trained(x, y):
    settings = TINY.model_copy(update={"learning_rate": 0.05, "epochs": 6, "wide_c": [1000.0], "wide_min_df": 1})
    wide = fit_wide(
        x[:200], y[:200], x[200:300], y[200:300], vocab_size=20, bigram_buckets=64, c_grid=[1000.0], min_df=1
    )
    return fit(settings, x[:200], y[:200], x[200:300], y[200:300], vocab_size=20, seed=0, wide=wide, verbose=0).model


def raw_logits(model, x):
    return inference_function(keras.Model(model.inputs, model.get_layer(CALIBRATION_LAYER).input))(x)


def test_calibration_lowers_validation_log_loss_and_keeps_the_ranking(tmp_path) -> None:
    x, y = noisy_data()
    model = trained(x, y)
    before = inference_function(model)(x)
    calibration = calibrate(model, x[200:300], y[200:300])
    after = inference_function(model)(x)
    assert 0.0 < calibration.slope < 1.0  # the nearly unregularised fit is overconfident on noisy labels
    assert calibration.validation_log_loss_after < calibration.validation_log_loss_before
    np.testing.assert_allclose(calibration.validation_log_loss_after, log_loss(y[200:300], after[200:300]), rtol=1e-4)
    np.testing.assert_allclose(
        after, 1 / (1 + np.exp(-(calibration.slope * raw_logits(model, x) + calibration.intercept))), atol=1e-6
    )
    held_out = slice(300, None)
    raw = raw_logits(model, x[held_out])  # the probabilities before calibration saturate at 1.0 in float32
    assert roc_auc_score(y[held_out], after[held_out]) == roc_auc_score(y[held_out], raw)
    assert log_loss(y[held_out], after[held_out]) < log_loss(y[held_out], before[held_out])
    path = tmp_path / "calibrated.keras"
    model.save(path)
    np.testing.assert_allclose(inference_function(keras.models.load_model(path))(x), after, atol=1e-7)


def test_logits_that_rank_validation_backwards_are_left_as_trained(caplog) -> None:
    x, y = noisy_data()
    model = trained(x, y)
    before = inference_function(model)(x)
    with caplog.at_level(logging.WARNING, logger="review_classifier.calibration"):
        calibration = calibrate(model, x[200:300], 1 - y[200:300])
    assert (calibration.slope, calibration.intercept) == (1.0, 0.0)
    assert "validation logits do not rank the classes" in caplog.text
    np.testing.assert_allclose(inference_function(model)(x), before, atol=1e-7)


def test_an_untrained_model_is_the_identity_at_the_calibration_layer() -> None:
    x, _ = toy_data()
    model = build_model(vocab_size=20, sequence_length=x.shape[1], settings=TINY)
    np.testing.assert_allclose(inference_function(model)(x), 1 / (1 + np.exp(-raw_logits(model, x))), atol=1e-6)

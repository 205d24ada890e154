"""The raw-text baselines the model is compared with."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from review_classifier.baseline import (
    BASELINES,
    BaselineSettings,
    NBWeighting,
    log_count_ratios,
    raw_text_baselines,
)
from review_classifier.dataset import LABEL, TEXT, DatasetSchema, load_labelled
from review_classifier.splits import stratified_split
from review_classifier.text import TextNormalizer


@pytest.fixture(scope="module")
def raw_splits(sample_reviews: pd.DataFrame):
    reviews, _ = load_labelled(sample_reviews, DatasetSchema(), "sample")
    texts, labels = reviews[TEXT].tolist(), reviews[LABEL].to_numpy()
    return [([texts[i] for i in rows], labels[rows]) for rows in stratified_split(labels)]


@pytest.fixture(scope="module")
def result(raw_splits):
    """The default baselines on the sample, fitted once for the tests that read them."""
    return raw_text_baselines(*raw_splits)


def test_every_baseline_learns_the_reviews_and_the_best_on_validation_is_reported(raw_splits, result) -> None:
    prevalence = raw_splits[2][1].mean()
    assert set(result["baselines"]) == set(BASELINES)
    for found in result["baselines"].values():
        assert found["n_examples"] == len(raw_splits[2][1])
        assert found["roc_auc"] > 0.75  # 2,000 reviews; the full dataset gives about 0.96
        assert found["pr_auc"] > prevalence  # better than ranking at random
    scores = {name: found["validation_roc_auc"] for name, found in result["baselines"].items()}
    assert result["baseline"] == max(scores, key=scores.get)
    best = result["baselines"][result["baseline"]]
    assert {k: result[k] for k in best} == best


def test_regularization_is_chosen_on_validation_only(raw_splits) -> None:
    grid = (0.01, 1.0, 100.0)
    alone = [raw_text_baselines(*raw_splits, BaselineSettings(c_grid=(c,)))["baselines"] for c in grid]
    chosen = raw_text_baselines(*raw_splits, BaselineSettings(c_grid=grid))["baselines"]
    for name in BASELINES:
        scores = {c: fits[name]["validation_roc_auc"] for c, fits in zip(grid, alone, strict=True)}
        assert chosen[name]["C"] == max(scores, key=scores.get)
        assert chosen[name]["validation_roc_auc"] == pytest.approx(scores[chosen[name]["C"]])


def test_test_labels_do_not_influence_the_choice(raw_splits, result) -> None:
    train, validation, (texts, labels) = raw_splits
    flipped = raw_text_baselines(train, validation, (texts, 1 - labels))
    assert flipped["baseline"] == result["baseline"]
    for name in BASELINES:
        assert flipped["baselines"][name]["C"] == result["baselines"][name]["C"]
        assert flipped["baselines"][name]["roc_auc"] == pytest.approx(1 - result["baselines"][name]["roc_auc"])


def test_the_baselines_read_the_raw_text_with_the_words_normalization_drops() -> None:
    """The label is told by "is" against "was", two stopwords the normalizer removes: only raw text has it."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 300)
    fillers = ["dress", "shirt", "fabric", "colour", "size"]
    texts = [f"{rng.choice(fillers)} {'is' if y else 'was'} {rng.choice(fillers)}" for y in labels]
    assert len(set(TextNormalizer().normalize_many(texts))) <= len(fillers) ** 2  # the verb is gone
    split = [(texts[a:b], labels[a:b]) for a, b in ((0, 200), (200, 250), (250, 300))]
    result = raw_text_baselines(*split)
    assert all(found["roc_auc"] == 1.0 for found in result["baselines"].values())


def test_log_count_ratios_are_wang_and_mannings() -> None:
    """r = log((alpha + p) / |alpha + p|_1) - log((alpha + q) / |alpha + q|_1), p and q the per-class feature sums."""
    features = sp.csr_matrix(np.array([[1, 0, 1], [1, 1, 0], [0, 1, 1], [0, 0, 1]], dtype=float))
    labels = np.array([1, 1, 0, 0])
    p, q = 1 + np.array([2.0, 1.0, 1.0]), 1 + np.array([0.0, 1.0, 2.0])
    expected = np.log(p / p.sum()) - np.log(q / q.sum())
    np.testing.assert_allclose(log_count_ratios(features, labels), expected)
    weighted = NBWeighting().fit(features, labels).transform(features)
    np.testing.assert_allclose(weighted.toarray(), features.toarray() * expected)


def test_empty_grid_is_refused() -> None:
    with pytest.raises(ValueError, match="c_grid"):
        BaselineSettings(c_grid=())

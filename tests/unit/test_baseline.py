"""The TF-IDF + logistic regression baseline."""

from __future__ import annotations

import pandas as pd
import pytest

from review_classifier.baseline import BaselineSettings, tfidf_baseline, validation_roc_auc
from review_classifier.dataset import LABEL, TEXT, DatasetSchema, load_labelled
from review_classifier.splits import stratified_split
from review_classifier.text import TextNormalizer


@pytest.fixture(scope="module")
def splits(sample_reviews: pd.DataFrame):
    reviews, _ = load_labelled(sample_reviews, DatasetSchema(), "sample")
    tokens = TextNormalizer().normalize_many(reviews[TEXT].tolist())
    labels = reviews[LABEL].to_numpy()
    return [([tokens[i] for i in rows], labels[rows]) for rows in stratified_split(labels)]


@pytest.fixture(scope="module")
def result(splits):
    """The default baseline on the sample, fitted once for the tests that read it."""
    return tfidf_baseline(*splits)


def test_baseline_learns_the_reviews(splits, result) -> None:
    assert result["n_examples"] == len(splits[2][1])
    assert result["roc_auc"] > 0.75  # 2,000 reviews; the full dataset gives about 0.96
    assert result["pr_auc"] > splits[2][1].mean()  # better than ranking at random


def test_regularization_is_chosen_on_validation_only(splits) -> None:
    grid = (0.01, 1.0, 100.0)
    alone = {c: tfidf_baseline(*splits, BaselineSettings(c_grid=(c,)))["validation_roc_auc"] for c in grid}
    chosen = tfidf_baseline(*splits, BaselineSettings(c_grid=grid))
    assert chosen["C"] == max(alone, key=alone.get)
    assert chosen["validation_roc_auc"] == alone[chosen["C"]]


def test_test_labels_do_not_influence_the_choice(splits, result) -> None:
    train, validation, (texts, labels) = splits
    flipped = tfidf_baseline(train, validation, (texts, 1 - labels))
    assert flipped["C"] == result["C"]
    assert flipped["roc_auc"] == pytest.approx(1 - result["roc_auc"])


def test_empty_grid_is_refused() -> None:
    with pytest.raises(ValueError, match="c_grid"):
        BaselineSettings(c_grid=())


def test_validation_roc_auc_ranks_tokens_by_how_well_they_separate_the_classes(splits, result) -> None:
    """The figure the pipeline chooses a normalization by: the baseline's own, and lower for worse tokens."""
    train, validation, _ = splits
    assert validation_roc_auc(train, validation) == pytest.approx(result["validation_roc_auc"])
    first_words = [(" ".join(t.split()[:2]) for t in part[0]) for part in (train, validation)]
    assert (
        validation_roc_auc((list(first_words[0]), train[1]), (list(first_words[1]), validation[1]))
        < (result["validation_roc_auc"])
    )

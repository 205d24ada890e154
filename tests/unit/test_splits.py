"""The stratified split, and its smaller-training-set variant that keeps the test rows."""

from __future__ import annotations

import numpy as np
import pytest

from review_classifier.splits import SplitSettings, stratified_split

LABELS = np.array([0] * 300 + [1] * 700)


def test_three_disjoint_stratified_parts_of_every_row() -> None:
    parts = stratified_split(LABELS)
    assert sorted(np.concatenate(parts).tolist()) == list(range(len(LABELS)))
    assert [len(p) for p in parts] == [720, 80, 200]
    assert all(LABELS[p].mean() == pytest.approx(0.7, abs=0.01) for p in parts)


def test_fewer_training_texts_keep_the_same_test_rows() -> None:
    full = stratified_split(LABELS)
    small = stratified_split(LABELS, SplitSettings(max_training_texts=100))
    np.testing.assert_array_equal(small.test, full.test)
    assert len(small.train) + len(small.validation) == 100 and len(small.validation) == 10
    assert set(small.train) | set(small.validation) <= set(full.train) | set(full.validation)
    assert LABELS[small.train].mean() == pytest.approx(0.7, abs=0.02)


def test_a_cap_above_the_rows_available_changes_nothing() -> None:
    full = stratified_split(LABELS)
    capped = stratified_split(LABELS, SplitSettings(max_training_texts=10_000))
    assert all(np.array_equal(a, b) for a, b in zip(full, capped, strict=True))

"""Stratified, seeded train / validation / test split."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sklearn.model_selection import train_test_split


class SplitSettings(BaseModel):
    """Fractions and seed of the stratified split."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    test_size: float = Field(0.2, gt=0.0, lt=1.0, description="Fraction of all rows held out for the test.")
    validation_size: float = Field(0.1, gt=0.0, lt=1.0, description="Fraction of the remaining rows.")
    seed: int = Field(0, description="Random state of both draws: the same seed gives the same rows.")


class SplitIndices(NamedTuple):
    """Row positions of each split."""

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray


def stratified_split(labels: np.ndarray, settings: SplitSettings = SplitSettings()) -> SplitIndices:
    """Hold out ``test_size`` of all rows, then ``validation_size`` of the rest.

    The test split is drawn first with scikit-learn's ``train_test_split`` so,
    for a given seed, it is the same rows whatever the validation size.
    """
    positions = np.arange(len(labels))
    rest, test = train_test_split(positions, test_size=settings.test_size, random_state=settings.seed, stratify=labels)
    train, validation = train_test_split(
        rest, test_size=settings.validation_size, random_state=settings.seed, stratify=labels[rest]
    )
    return SplitIndices(train=np.sort(train), validation=np.sort(validation), test=np.sort(test))

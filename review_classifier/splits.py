"""Stratified, seeded train / validation / test split."""

from __future__ import annotations

from typing import NamedTuple, Optional

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sklearn.model_selection import train_test_split


class SplitSettings(BaseModel):
    """Fractions and seed of the stratified split."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    test_size: float = Field(0.2, gt=0.0, lt=1.0, description="Fraction of all rows held out for the test.")
    validation_size: float = Field(0.1, gt=0.0, lt=1.0, description="Fraction of the remaining rows.")
    seed: int = Field(0, description="Random state of both draws: the same seed gives the same rows.")
    max_training_texts: Optional[int] = Field(
        None,
        gt=1,
        description="Keep at most this many of the non-test rows (stratified sample) for training and validation: "
        "how the model does with less labelled data, on the same test split.",
    )


class SplitIndices(NamedTuple):
    """Row positions of each split."""

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray


def stratified_split(labels: np.ndarray, settings: SplitSettings = SplitSettings()) -> SplitIndices:
    """Hold out ``test_size`` of all rows, then ``validation_size`` of the rest.

    The test split is drawn first with scikit-learn's ``train_test_split`` so,
    for a given seed, it is the same rows whatever the validation size or ``max_training_texts``;
    the rows left out by the latter are in no split.
    """
    positions = np.arange(len(labels))
    rest, test = train_test_split(positions, test_size=settings.test_size, random_state=settings.seed, stratify=labels)
    if settings.max_training_texts is not None and settings.max_training_texts < len(rest):
        rest, _ = train_test_split(
            rest, train_size=settings.max_training_texts, random_state=settings.seed, stratify=labels[rest]
        )
    train, validation = train_test_split(
        rest, test_size=settings.validation_size, random_state=settings.seed, stratify=labels[rest]
    )
    return SplitIndices(train=np.sort(train), validation=np.sort(validation), test=np.sort(test))

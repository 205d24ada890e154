"""The wide part of the model: TF-IDF + logistic regression over the model's own bags, fitted exactly.

A text's bag is the set of its token ids and of its adjacent pairs hashed into buckets
(``HashedBigrams``). Its logit is a logistic regression over the bag's TF-IDF vector
(binary term frequency, smoothed idf, l2 row norm), the features with which TF-IDF +
logistic regression is so strong on short texts. scikit-learn fits it exactly, with the
regularization strength that is best on validation (review_classifier/wide_fit.py), and ``TfidfLogit``
holds the result as frozen weights inside the Keras model: fitted by Adam along with the deep part, the same
linear model stayed below the scikit-learn baseline on every dataset measured. The deep part
is then trained on top of it, so training starts from the linear model's predictions and
only has to learn what the linear model misses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Sequence, Tuple

import keras
import numpy as np
from keras import layers, ops

from review_classifier.vocabulary import PAD_ID

#: Keras registers custom layers under this package name in saved ``.keras`` files.
KERAS_PACKAGE = "review_classifier"


@keras.saving.register_keras_serializable(package=KERAS_PACKAGE)
class HashedBigrams(layers.Layer):
    """Token-id sequence -> ids of adjacent pairs hashed into ``buckets`` (0 = padding)."""

    def __init__(self, buckets: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.buckets = buckets

    def call(self, ids: Any) -> Any:
        ids = ops.cast(ids, "int32")
        left, right = ids[:, :-1], ids[:, 1:]
        hashed = (left * 7919 + right) % self.buckets + 1
        return ops.where(ops.logical_and(left != PAD_ID, right != PAD_ID), hashed, PAD_ID)

    def get_config(self) -> Dict[str, Any]:
        return {**super().get_config(), "buckets": self.buckets}


def bags(ids: Any, bigram_buckets: int) -> List[Any]:
    """The id inputs of the wide part: the tokens, and their hashed bigrams unless ``bigram_buckets`` is 0."""
    found = [ids]
    if bigram_buckets:
        found.append(HashedBigrams(bigram_buckets, name="bigram_ids")(ids))
    return found


def bag_sizes(vocab_size: int, bigram_buckets: int) -> List[int]:
    """How many ids each of ``bags`` holds (bigram id 0 is padding, so buckets + 1)."""
    return [vocab_size, bigram_buckets + 1] if bigram_buckets else [vocab_size]


def offsets(sizes: Sequence[int]) -> np.ndarray:
    """Where each bag's ids start in the one id range; each bag's id 0, there, is its padding."""
    return np.cumsum([0, *sizes[:-1]])


def offset_ids(inputs: Sequence[Any], sizes: Sequence[int]) -> Any:
    """The bags as one id range: input ``i``'s ids shifted past those of the inputs before it."""
    shifted = [ops.cast(x, "int32") + int(o) for x, o in zip(inputs, offsets(sizes), strict=True)]
    return ops.concatenate(shifted, axis=1)


@keras.saving.register_keras_serializable(package=KERAS_PACKAGE)
class TfidfLogit(layers.Layer):
    """The logit of a logistic regression over a bag's TF-IDF vector, computed by lookup.

    Equal to scikit-learn's ``decision_function`` over ``TfidfTransformer`` of the binary bag
    (a unit test compares them), without building the 1M-wide vectors: it gathers the idf and
    the coefficient of the at most 127 ids present. Padding and features too rare at fit time
    have idf 0, so they count neither in the dot product nor in the row norm. Frozen: set by
    ``fit_wide``, never by the optimiser.
    """

    def __init__(self, sizes: List[int], **kwargs: Any) -> None:
        super().__init__(trainable=False, **{k: v for k, v in kwargs.items() if k != "trainable"})
        self.sizes = [int(size) for size in sizes]

    def build(self, input_shape: Any) -> None:
        features = sum(self.sizes)
        self.idf = self.add_weight(name="idf", shape=(features,), initializer="zeros", trainable=False)
        self.coef = self.add_weight(name="coef", shape=(features,), initializer="zeros", trainable=False)
        self.bias = self.add_weight(name="bias", shape=(1,), initializer="zeros", trainable=False)

    def tfidf(self, inputs: List[Any]) -> Tuple[Any, Any]:
        """The sorted ids of the bag and each one's TF-IDF value: 0 for padding, for a feature too rare at
        fit time and for a repeat of an id (it counts once).

        The logit is their dot product with ``coef`` plus ``bias``, whatever the fit put into the
        weights: review_classifier/explain.py decomposes it from these values and the weights.
        """
        ids = ops.sort(offset_ids(inputs, self.sizes), axis=1)
        first = ops.concatenate([ops.ones_like(ids[:, :1], dtype="bool"), ids[:, 1:] != ids[:, :-1]], axis=1)
        weights = ops.where(first, ops.take(self.idf, ids, axis=0), 0.0)
        norm = ops.sqrt(ops.sum(weights * weights, axis=1, keepdims=True))
        return ids, weights / ops.maximum(norm, 1e-12)

    def call(self, inputs: List[Any]) -> Any:
        ids, values = self.tfidf(inputs)
        return ops.sum(values * ops.take(self.coef, ids, axis=0), axis=1, keepdims=True) + self.bias

    def get_config(self) -> Dict[str, Any]:
        return {**super().get_config(), "sizes": self.sizes}


@dataclass(frozen=True)
class WideFit:
    """The fitted weights of ``TfidfLogit`` and how the fit was chosen."""

    idf: np.ndarray
    coef: np.ndarray
    bias: float
    c: float
    validation_roc_auc: float

    def set_into(self, layer: TfidfLogit) -> None:
        layer.set_weights([self.idf, self.coef, np.array([self.bias], dtype="float32")])

"""Raw text in, probability out: the one prediction path every consumer uses.

Evaluation, promotion, batch inference and the HTTP service all call
:class:`ReviewClassifier`, so they cannot disagree about how a text is handled.
"""

from __future__ import annotations

from typing import Sequence

import keras
import numpy as np

from review_classifier.model import predict_proba
from review_classifier.text import TextNormalizer
from review_classifier.vocabulary import Vocabulary


class ReviewClassifier:
    """A trained Keras model together with the vocabulary it was trained on."""

    def __init__(self, model: keras.Model, vocabulary: Vocabulary) -> None:
        self.model = model
        self.vocabulary = vocabulary
        self.normalizer = TextNormalizer(vocabulary.normalization)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Raw texts -> the fixed-length id matrix the model reads."""
        return self.vocabulary.encode(self.normalizer.normalize_many(texts))

    def predict_proba(self, texts: Sequence[str], batch_size: int = 1024) -> np.ndarray:
        """P(positive class) for each raw text, float64."""
        if len(texts) == 0:
            return np.zeros(0, dtype=np.float64)
        return predict_proba(self.model, self.encode(texts), batch_size=batch_size)

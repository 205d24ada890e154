"""Raw text in, probability out: the one prediction path every consumer uses.

Evaluation, promotion, batch inference and the HTTP service all call
:class:`ReviewClassifier`, so they cannot disagree about how a text is handled.
"""

from __future__ import annotations

from typing import Sequence

import keras
import numpy as np
import pandas as pd

from review_classifier.dataset import TEXT
from review_classifier.decision import labels_of
from review_classifier.model import inference_function
from review_classifier.text import TextNormalizer
from review_classifier.vocabulary import Vocabulary


class ReviewClassifier:
    """A trained Keras model together with the vocabulary it was trained on."""

    def __init__(self, model: keras.Model, vocabulary: Vocabulary) -> None:
        self.model = model
        self.vocabulary = vocabulary
        self.normalizer = TextNormalizer(vocabulary.normalization)
        self._predict = inference_function(model)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Raw texts -> the fixed-length id matrix the model reads."""
        return self.vocabulary.encode(self.normalizer.normalize_many(texts))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """P(positive class) for each raw text, float64."""
        return self._predict(self.encode(texts))


def predict_table(
    classifier: ReviewClassifier, texts: pd.DataFrame, model_version: str, threshold: float
) -> pd.DataFrame:
    """One row out per row in, in order: probability and label, or ``empty text`` and no prediction."""
    has_text = texts[TEXT] != ""
    probabilities = pd.Series(np.nan, index=texts.index, dtype="float64")
    probabilities[has_text] = classifier.predict_proba(texts.loc[has_text, TEXT].tolist())
    return pd.DataFrame(
        {
            "row": texts.index + 1,
            TEXT: texts[TEXT],
            "probability": probabilities,
            "label": [
                label if ok else None for label, ok in zip(labels_of(probabilities, threshold), has_text, strict=True)
            ],
            "status": np.where(has_text, "ok", "empty text"),
            "model_version": model_version,
        },
        index=texts.index,
    )

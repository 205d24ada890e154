"""What an explanation is: a logit split exactly into a bias, a deep part and one share per feature present.

Its own light module (pydantic only): review_classifier/explain.py computes it with Keras, while the
evaluation report and the service's /explain answer (serving/api.py) only show it and must not load Keras.
"""

from __future__ import annotations

from typing import List

from pydantic import BaseModel, Field


class Feature(BaseModel):
    """One wide feature present in a text and its exact share of the logit (review_classifier/explain.py)."""

    text: str = Field(
        description="Normalized token(s), unigram or bigram; bigrams hashed into one bucket are joined by ' | '"
    )
    words: str = Field(description="The words of the text it comes from, as written; ', ' between occurrences")
    value: float = Field(description="Its TF-IDF value in this text")
    weight: float = Field(description="Its coefficient x the calibration weight of the wide part: logit per unit value")
    contribution: float = Field(description="value x weight: what it adds to the logit")


class Decomposition(BaseModel):
    """``logit = bias + deep + sum(f.contribution for f in features)``, exactly."""

    logit: float = Field(description="The model's logit: sigmoid(logit) = P(positive)")
    bias: float = Field(description="Calibration intercept + wide bias x wide calibration weight")
    deep: float = Field(description="Deep logit x its calibration weight (0 for the linear model)")
    features: List[Feature] = Field(description="Every feature present, by absolute contribution, largest first")

    def strongest(self, k: int, positive: bool) -> List[Feature]:
        """The ``k`` features that push the most towards positive (or negative)."""
        return [f for f in self.features if (f.contribution > 0 if positive else f.contribution < 0)][:k]

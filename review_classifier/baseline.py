"""The classical baseline every neural model here must beat: TF-IDF + logistic regression.

It sees exactly what the Keras model sees (the normalized tokens of the same splits), so
the gap between the two is the model's doing, not the data's. Word unigrams and bigrams,
sublinear term frequency; the regularization strength is the one with the best
validation ROC-AUC, so the test split stays unseen until the final score.
"""

from __future__ import annotations

from typing import Any, Dict, Sequence

import numpy as np
from pydantic import BaseModel, Field
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline

from review_classifier.metrics import classification_metrics


class BaselineSettings(BaseModel):
    """The grid and features of the baseline."""

    c_grid: Sequence[float] = Field(default=(0.25, 1.0, 4.0, 16.0), min_length=1)
    max_ngram: int = Field(default=2, ge=1)
    min_df: int = Field(default=2, ge=1)
    max_iter: int = Field(default=2000, ge=1)
    decision_threshold: float = Field(default=0.5, gt=0.0, lt=1.0)


def _fit(texts: Sequence[str], labels: np.ndarray, c: float, settings: BaselineSettings) -> Pipeline:
    # Tokens are already normalized and space-separated, so split on whitespace only.
    vectorizer = TfidfVectorizer(
        token_pattern=r"\S+", ngram_range=(1, settings.max_ngram), min_df=settings.min_df, sublinear_tf=True
    )
    classifier = LogisticRegression(C=c, max_iter=settings.max_iter)
    return make_pipeline(vectorizer, classifier).fit(list(texts), labels)


def _best_on_validation(
    train: tuple[Sequence[str], np.ndarray], validation: tuple[Sequence[str], np.ndarray], settings: BaselineSettings
) -> tuple[float, float, Pipeline]:
    """Fit on train for every C; the best validation ROC-AUC, its C and its fitted model."""
    scored = []
    for c in settings.c_grid:
        model = _fit(*train, c, settings)
        scored.append((roc_auc_score(validation[1], model.predict_proba(list(validation[0]))[:, 1]), c, model))
    return max(scored, key=lambda s: s[0])


def tfidf_baseline(
    train: tuple[Sequence[str], np.ndarray],
    validation: tuple[Sequence[str], np.ndarray],
    test: tuple[Sequence[str], np.ndarray],
    settings: BaselineSettings = BaselineSettings(),
) -> Dict[str, Any]:
    """Fit on train for every C, keep the best on validation ROC-AUC, and score it on test.

    Each split is ``(token strings, 0/1 labels)``. Returns the test metrics (the same
    ``classification_metrics`` the pipeline records) plus ``C`` and ``validation_roc_auc``.
    """
    validation_roc_auc, c, model = _best_on_validation(train, validation, settings)
    metrics = classification_metrics(test[1], model.predict_proba(list(test[0]))[:, 1], settings.decision_threshold)
    return {**metrics, "C": c, "validation_roc_auc": float(validation_roc_auc)}


def validation_roc_auc(
    train: tuple[Sequence[str], np.ndarray],
    validation: tuple[Sequence[str], np.ndarray],
    settings: BaselineSettings = BaselineSettings(),
) -> float:
    """The baseline's best validation ROC-AUC: how well a normalization's tokens separate the classes."""
    return float(_best_on_validation(train, validation, settings)[0])

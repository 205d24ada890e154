"""The classical baselines every model here must match: what a user fits in five minutes in scikit-learn.

They read the dataset's raw text (its text columns, joined), not the model's normalized tokens:
removing stopwords or stemming is the project's choice, and a baseline that had to live with it
would be handicapped by it. Two standard models, each with the regularization strength that is
best on validation ROC-AUC, so the test split stays unseen until the final score:

* TF-IDF of word unigrams and bigrams (sublinear term frequency) + logistic regression;
* NB-weighted logistic regression (Wang & Manning 2012, "NBSVM"): binary unigrams and bigrams,
  each scaled by its naive Bayes log-count ratio.

The best of them on validation ROC-AUC is *the* baseline the quality gate and the lift compare with.
"""

from __future__ import annotations

from typing import Any, Dict, Sequence

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, Field
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import Pipeline, make_pipeline

from review_classifier.blas import one_blas_thread
from review_classifier.metrics import classification_metrics

Split = tuple[Sequence[str], np.ndarray]

#: The baselines, by the name the metrics record them under, with the label reports print.
BASELINES = {
    "tfidf_logistic_regression": "TF-IDF 1-2-grams + logistic regression",
    "nb_logistic_regression": "NB-weighted logistic regression (NBSVM)",
}


class BaselineSettings(BaseModel):
    """The grid and features of the baselines."""

    c_grid: Sequence[float] = Field(default=(0.25, 1.0, 4.0, 16.0), min_length=1)
    max_ngram: int = Field(default=2, ge=1)
    min_df: int = Field(default=1, ge=1, description="Texts a feature must occur in (scikit-learn's default: 1).")
    max_iter: int = Field(default=2000, ge=1)
    decision_threshold: float = Field(default=0.5, gt=0.0, lt=1.0)


def log_count_ratios(features: Any, labels: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Each feature's naive Bayes log-count ratio ``log(p_i / |p|) - log(q_i / |q|)`` (add-``alpha`` counts).

    Exactly the difference of multinomial naive Bayes' two smoothed feature log-probabilities,
    so scikit-learn computes it. Positive: the feature leans to the positive class.
    """
    bayes = MultinomialNB(alpha=alpha).fit(features, labels)
    return bayes.feature_log_prob_[1] - bayes.feature_log_prob_[0]


class NBWeighting(TransformerMixin, BaseEstimator):
    """Scales each column by its log-count ratio on the training rows: the "NB" of NB-weighted LR."""

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha

    def fit(self, features: Any, labels: np.ndarray) -> "NBWeighting":
        self.ratios_ = log_count_ratios(features, labels, self.alpha)
        return self

    def transform(self, features: Any) -> Any:
        return features @ sp.diags(self.ratios_)


def _vectorizer(name: str, settings: BaselineSettings) -> Any:
    ngrams = (1, settings.max_ngram)
    if name == "tfidf_logistic_regression":
        return TfidfVectorizer(ngram_range=ngrams, min_df=settings.min_df, sublinear_tf=True)
    return make_pipeline(CountVectorizer(ngram_range=ngrams, min_df=settings.min_df, binary=True), NBWeighting())


@one_blas_thread
def _best_on_validation(
    name: str, train: Split, validation: Split, settings: BaselineSettings
) -> tuple[float, float, Pipeline]:
    """Fit on train for every C; the best validation ROC-AUC, its C and its fitted model.

    The features are fitted once: only the classifier depends on C.
    """
    features = _vectorizer(name, settings).fit(list(train[0]), train[1])
    x_train, x_val = features.transform(list(train[0])), features.transform(list(validation[0]))
    scored = []
    for c in settings.c_grid:
        classifier = LogisticRegression(C=c, max_iter=settings.max_iter).fit(x_train, train[1])
        scored.append((roc_auc_score(validation[1], classifier.decision_function(x_val)), c, classifier))
    score, c, classifier = max(scored, key=lambda s: s[0])
    return score, c, make_pipeline(features, classifier)


def raw_text_baselines(
    train: Split, validation: Split, test: Split, settings: BaselineSettings = BaselineSettings()
) -> Dict[str, Any]:
    """Every baseline fitted on train, its C chosen on validation, scored on test; the best one on top.

    Each split is ``(raw texts, 0/1 labels)``. Returns the best baseline's test metrics (the same
    ``classification_metrics`` the pipeline records, so the lift and the gate read them as the model's),
    its ``C``, ``validation_roc_auc`` and ``baseline`` name, and every baseline's under ``baselines``.
    """
    found = {}
    for name in BASELINES:
        score, c, model = _best_on_validation(name, train, validation, settings)
        probabilities = model.predict_proba(list(test[0]))[:, 1]
        metrics = classification_metrics(test[1], probabilities, settings.decision_threshold)
        found[name] = {**metrics, "C": c, "validation_roc_auc": float(score)}
    best = max(found, key=lambda name: found[name]["validation_roc_auc"])
    return {**found[best], "baseline": best, "baselines": found}

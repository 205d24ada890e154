"""The wide part's fit: TF-IDF of the training bags and scikit-learn's logistic regression, on one BLAS thread.

Apart from the layers that hold the result (review_classifier/wide.py), so that what predicts (the serving
worker, batch inference) never imports scikit-learn or SciPy: only training fits.
"""

from __future__ import annotations

from typing import Callable, Sequence, Tuple

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from review_classifier.blas import one_blas_thread
from review_classifier.model_settings import ModelSettings
from review_classifier.vocabulary import Vocabulary, VocabularySettings
from review_classifier.wide import WideFit, bag_sizes, bags, offset_ids, offsets


def binary_bags(ids: np.ndarray, vocab_size: int, bigram_buckets: int) -> sp.csr_matrix:
    """Rows of 0/1 over every wide feature (padding included: its idf is zeroed at fit time)."""
    sizes = bag_sizes(vocab_size, bigram_buckets)
    flat = np.asarray(offset_ids([np.asarray(b) for b in bags(ids, bigram_buckets)], sizes))
    rows = np.repeat(np.arange(len(flat)), flat.shape[1])
    matrix = sp.csr_matrix((np.ones(flat.size), (rows, flat.ravel())), shape=(len(flat), sum(sizes)))
    matrix.data[:] = 1.0  # an id counts once per row, however often it occurs
    return matrix


def _tfidf(
    x_train: np.ndarray, *, vocab_size: int, bigram_buckets: int, min_df: int
) -> tuple[Callable[[np.ndarray], sp.csr_matrix], np.ndarray]:
    """TF-IDF of the training bags: the function that makes any ids' features, and the idf it learnt
    (0 for the padding ids and for the features in fewer than ``min_df`` training texts)."""
    train = binary_bags(x_train, vocab_size, bigram_buckets)
    kept = np.asarray(train.sum(axis=0)).ravel() >= min_df  # document frequency
    kept[offsets(bag_sizes(vocab_size, bigram_buckets))] = False  # the padding ids
    keep = sp.diags(kept.astype(np.float64))
    transformer = TfidfTransformer(norm="l2", use_idf=True, smooth_idf=True).fit(train @ keep)

    def features(ids: np.ndarray) -> sp.csr_matrix:
        return transformer.transform(binary_bags(ids, vocab_size, bigram_buckets) @ keep)

    return features, (transformer.idf_ * kept).astype("float32")


def _fitted(idf: np.ndarray, model: LogisticRegression, c: float, validation_roc_auc: float) -> WideFit:
    """The weights ``TfidfLogit`` holds, from ``model`` fitted on the TF-IDF with ``idf``."""
    return WideFit(
        idf=idf,
        coef=model.coef_[0].astype("float32"),
        bias=float(model.intercept_[0]),
        c=float(c),
        validation_roc_auc=float(validation_roc_auc),
    )


@one_blas_thread
def fit_wide(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    *,
    vocab_size: int,
    bigram_buckets: int,
    c_grid: Sequence[float],
    min_df: int,
) -> WideFit:
    """TF-IDF of the training bags, then one logistic regression per C; the best on validation ROC-AUC."""
    features, idf = _tfidf(x_train, vocab_size=vocab_size, bigram_buckets=bigram_buckets, min_df=min_df)
    features_train, features_val = features(x_train), features(x_val)
    best = None
    for c in c_grid:
        model = LogisticRegression(C=c, max_iter=2000).fit(features_train, y_train)
        score = roc_auc_score(y_val, model.decision_function(features_val))
        if best is None or score > best[0]:
            best = (score, c, model)
    score, c, model = best
    return _fitted(idf, model, c, score)


@one_blas_thread
def refit_wide(
    wide: WideFit, x: np.ndarray, y: np.ndarray, *, vocab_size: int, bigram_buckets: int, min_df: int
) -> WideFit:
    """``wide`` fitted again, with its C, on more rows (train and validation, once every choice is made):
    a tenth more texts to learn the features from; its validation ROC-AUC stays the one it was chosen by."""
    features, idf = _tfidf(x, vocab_size=vocab_size, bigram_buckets=bigram_buckets, min_df=min_df)
    model = LogisticRegression(C=wide.c, max_iter=2000).fit(features(x), y)
    return _fitted(idf, model, wide.c, wide.validation_roc_auc)


def wide_validation_roc_auc(
    train: Tuple[Sequence[str], np.ndarray],
    validation: Tuple[Sequence[str], np.ndarray],
    vocabulary_settings: VocabularySettings,
    settings: ModelSettings,
) -> float:
    """How well a normalization's tokens suit the model: its own wide part's best validation ROC-AUC on them.

    Each split is ``(normalized texts, 0/1 labels)``. The tokens go through what the model does with them:
    the vocabulary built on the training texts (its size, ``min_count`` and the first ``sequence_length``
    tokens of a text), hashed bigrams, then ``fit_wide``. Seconds per normalization, where a Keras sweep per
    normalization would multiply the training time; and the choice is made by the model's own linear part,
    not by a TF-IDF model that sees every token of every text.
    """
    vocabulary = Vocabulary.build(train[0], vocabulary_settings)
    return fit_wide(
        vocabulary.encode(train[0]),
        train[1],
        vocabulary.encode(validation[0]),
        validation[1],
        vocab_size=vocabulary.size,
        bigram_buckets=settings.bigram_buckets,
        c_grid=settings.wide_c,
        min_df=settings.wide_min_df,
    ).validation_roc_auc

"""Small models trained on a sample of the bundled reviews, for the tests that need a real trained model."""

from __future__ import annotations

from typing import List, Sequence, Tuple

import pandas as pd

from review_classifier.dataset import LABEL, TEXT
from review_classifier.model_settings import ModelSettings
from review_classifier.splits import SplitIndices, stratified_split
from review_classifier.text import TextNormalizer
from review_classifier.training import Candidate, sweep
from review_classifier.vocabulary import Vocabulary, VocabularySettings


def train_small(
    reviews: pd.DataFrame, candidates: Sequence[ModelSettings], max_vocabulary: int
) -> Tuple[Vocabulary, List[Candidate], Candidate, SplitIndices]:
    """``reviews`` (loaded) normalized, a vocabulary of the train split, then the sweep of ``candidates``:
    the vocabulary, every trained candidate, the best one and the split."""
    splits = stratified_split(reviews[LABEL].to_numpy())
    corpus = TextNormalizer().normalize_many(reviews[TEXT].tolist())
    vocabulary = Vocabulary.build([corpus[i] for i in splits.train], VocabularySettings(max_size=max_vocabulary))
    x, y = vocabulary.encode(corpus), reviews[LABEL].to_numpy().astype("float32")
    best, trained = sweep(
        list(candidates),
        x[splits.train],
        y[splits.train],
        x[splits.validation],
        y[splits.validation],
        vocab_size=vocabulary.size,
        seed=0,
        verbose=0,
    )
    return vocabulary, trained, best, splits

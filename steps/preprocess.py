"""Step 2: NLTK normalization of every review into the cached corpus artifact."""

from __future__ import annotations

import logging
import time
from typing import Annotated

import pandas as pd
from zenml import ArtifactConfig, log_metadata, step

from review_classifier.dataset import TEXT
from review_classifier.text import NormalizationSettings, TextNormalizer
from steps.caching import project_code_policy
from steps.materializers import ContentHashedPandasMaterializer

logger = logging.getLogger(__name__)
TOKENS = "tokens"


# Cached on the reviews' content (see ContentHashedPandasMaterializer), the
# settings, and the normalization code and stopword list themselves.
@step(
    output_materializers=ContentHashedPandasMaterializer,
    cache_policy=project_code_policy(__name__, "review_classifier/nltk_data/corpora/stopwords/english"),
)
def preprocess(
    reviews: pd.DataFrame, normalization: NormalizationSettings = NormalizationSettings()
) -> Annotated[pd.DataFrame, ArtifactConfig(name="corpus", tags=["data"])]:
    """The reviews plus a ``tokens`` column: normalized, space-separated tokens."""
    started = time.perf_counter()
    tokens = TextNormalizer(normalization).normalize_many(reviews[TEXT].tolist())
    seconds = time.perf_counter() - started
    corpus = reviews.assign(**{TOKENS: tokens})
    empty = int(sum(1 for t in tokens if not t))
    rate = len(tokens) / seconds if seconds else float("inf")
    logger.info(
        "Normalized %d reviews in %.2f s (%.0f reviews/s); %d have no token left", len(tokens), seconds, rate, empty
    )
    log_metadata(
        metadata={"reviews": len(tokens), "seconds": seconds, "reviews_per_s": rate, "reviews_without_tokens": empty},
        infer_artifact=True,
        artifact_name="corpus",
    )
    return corpus

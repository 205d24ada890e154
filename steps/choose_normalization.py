"""Step 2b: the normalization whose tokens the model's own wide part separates best on validation."""

from __future__ import annotations

import logging
from typing import Annotated, List, Tuple

import pandas as pd
from zenml import ArtifactConfig, log_metadata, step

from review_classifier.dataset import LABEL
from review_classifier.model_settings import ModelSettings
from review_classifier.splits import SplitSettings, stratified_split
from review_classifier.text import NormalizationSettings
from review_classifier.vocabulary import VocabularySettings
from review_classifier.wide_fit import wide_validation_roc_auc
from steps.caching import project_code_policy
from steps.materializers import ContentHashedPandasMaterializer
from steps.preprocess import TOKENS

logger = logging.getLogger(__name__)


@step(
    output_materializers={"chosen_corpus": ContentHashedPandasMaterializer},
    cache_policy=project_code_policy(__name__),
)
def choose_normalization(
    corpora: List[pd.DataFrame],
    normalizations: List[NormalizationSettings],
    split_settings: SplitSettings,
    vocabulary_settings: VocabularySettings,
    model_settings: ModelSettings,
) -> Tuple[
    Annotated[pd.DataFrame, ArtifactConfig(name="chosen_corpus", tags=["data"])],
    Annotated[NormalizationSettings, ArtifactConfig(name="normalization")],
]:
    """One corpus per normalization in, the best one and its settings out (the first one on ties).

    Judged on the same training and validation rows the split step makes (the split depends on the
    labels only), by the wide part ``model_settings`` configures over the vocabulary ``vocabulary_settings``
    builds (``wide_validation_roc_auc``). The test split is never looked at.
    """
    if len(corpora) != len(normalizations):
        raise ValueError(f"{len(corpora)} corpora for {len(normalizations)} normalizations")
    if len(corpora) == 1:
        return corpora[0], normalizations[0]
    labels = corpora[0][LABEL].to_numpy()
    parts = stratified_split(labels, split_settings)
    scores = []
    for corpus, normalization in zip(corpora, normalizations, strict=True):
        tokens = corpus[TOKENS].to_numpy()
        train, validation = ((tokens[rows].tolist(), labels[rows]) for rows in (parts.train, parts.validation))
        score = wide_validation_roc_auc(train, validation, vocabulary_settings, model_settings)
        logger.info("Normalization %s: wide part's validation ROC-AUC %.4f", normalization.model_dump(), score)
        scores.append(score)
    chosen = max(range(len(scores)), key=scores.__getitem__)
    log_metadata(
        metadata={
            "chosen": chosen + 1,
            "variants": [
                {"settings": n.model_dump(), "wide_validation_roc_auc": s}
                for n, s in zip(normalizations, scores, strict=True)
            ],
        }
    )
    logger.info("Chose normalization %d/%d: %s", chosen + 1, len(scores), normalizations[chosen].model_dump())
    return corpora[chosen], normalizations[chosen]

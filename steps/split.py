"""Step 3a: stratified, seeded train / validation / test split of the corpus."""

from __future__ import annotations

import logging
from typing import Annotated, Tuple

import pandas as pd
from zenml import ArtifactConfig, step

from review_classifier.dataset import LABEL
from review_classifier.splits import SplitSettings, stratified_split
from steps.caching import project_code_policy
from steps.materializers import ContentHashedPandasMaterializer, for_each_output

logger = logging.getLogger(__name__)


@step(
    output_materializers=for_each_output(ContentHashedPandasMaterializer, "train_set", "validation_set", "test_set"),
    cache_policy=project_code_policy(__name__),
)
def split(
    corpus: pd.DataFrame, settings: SplitSettings = SplitSettings()
) -> Tuple[
    Annotated[pd.DataFrame, ArtifactConfig(name="train_set", tags=["data"])],
    Annotated[pd.DataFrame, ArtifactConfig(name="validation_set", tags=["data"])],
    Annotated[pd.DataFrame, ArtifactConfig(name="test_set", tags=["data"])],
]:
    """Three disjoint parts of the corpus with the label balance of the whole."""
    parts = stratified_split(corpus[LABEL].to_numpy(), settings)
    train, validation, test = (corpus.iloc[rows] for rows in parts)
    logger.info(
        "Split %d reviews: %d train, %d validation, %d test", len(corpus), len(train), len(validation), len(test)
    )
    return train, validation, test

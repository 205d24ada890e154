"""Step 3b: the vocabulary, learnt from the training split only."""

from __future__ import annotations

import logging
from typing import Annotated

import numpy as np
import pandas as pd
from zenml import ArtifactConfig, log_metadata, step

from review_classifier.drift import profile
from review_classifier.names import VALIDATION_PROFILE
from review_classifier.text import NormalizationSettings
from review_classifier.vocabulary import Vocabulary, VocabularySettings
from steps.caching import project_code_policy
from steps.preprocess import TOKENS

logger = logging.getLogger(__name__)


@step(cache_policy=project_code_policy(__name__))
def tokenize(
    train_set: pd.DataFrame,
    validation_set: pd.DataFrame,
    settings: VocabularySettings = VocabularySettings(),
    normalization: NormalizationSettings = NormalizationSettings(),
) -> Annotated[Vocabulary, ArtifactConfig(name="vocabulary", tags=["model-input"])]:
    """Build the token <-> id map (a JSON artifact) and report how well it covers unseen text.

    The validation split's profile (OOV rate, lengths, frequent tokens) is stored with it:
    batch inference checks new texts against it, without reloading any split.
    """
    vocabulary = Vocabulary.build(train_set[TOKENS], settings, normalization)
    validation_profile = profile(validation_set[TOKENS].tolist(), vocabulary)
    oov_rate = validation_profile.oov_rate
    lengths = np.array([len(t.split()) for t in validation_set[TOKENS]])
    truncated = float(np.mean(lengths > vocabulary.sequence_length)) if len(lengths) else 0.0
    logger.info(
        "Vocabulary of %d ids; validation OOV rate %.2f%%, %.2f%% of texts truncated to %d tokens",
        vocabulary.size,
        100 * oov_rate,
        100 * truncated,
        vocabulary.sequence_length,
    )
    log_metadata(
        metadata={
            "size": vocabulary.size,
            "sequence_length": vocabulary.sequence_length,
            "validation_oov_rate": oov_rate,
            "validation_truncated_fraction": truncated,
            VALIDATION_PROFILE: validation_profile.model_dump(),
        },
        infer_artifact=True,
        artifact_name="vocabulary",
    )
    return vocabulary

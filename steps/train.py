"""Step 4: the hyperparameter sweep; the best candidate on validation ROC-AUC, calibrated, is the model."""

from __future__ import annotations

import logging
from typing import Annotated, Any, Dict, List, Tuple

import keras
import pandas as pd
from zenml import ArtifactConfig, step
from zenml.enums import ArtifactType
from zenml.integrations.tensorflow.materializers.keras_materializer import KerasMaterializer

from review_classifier.dataset import LABEL
from review_classifier.model_settings import ModelSettings
from review_classifier.training import sweep
from review_classifier.vocabulary import Vocabulary
from steps.caching import project_code_policy
from steps.preprocess import TOKENS

logger = logging.getLogger(__name__)


# The tensorflow integration is not "installed" in ZenML's eyes next to TF 2.21,
# so its Keras materializer is named here; otherwise the model would be pickled.
@step(output_materializers={"model": KerasMaterializer}, cache_policy=project_code_policy(__name__))
def train(
    train_set: pd.DataFrame,
    validation_set: pd.DataFrame,
    vocabulary: Vocabulary,
    candidates: List[ModelSettings],
    seed: int = 0,
) -> Tuple[
    Annotated[keras.Model, ArtifactConfig(name="model", artifact_type=ArtifactType.MODEL, tags=["model"])],
    Annotated[Dict[str, Any], ArtifactConfig(name="training_summary", tags=["metrics"])],
]:
    """Train every candidate with early stopping on validation; the best model and the sweep's summary."""
    best, trained = sweep(
        candidates,
        vocabulary.encode(train_set[TOKENS]),
        train_set[LABEL].to_numpy("float32"),
        vocabulary.encode(validation_set[TOKENS]),
        validation_set[LABEL].to_numpy("float32"),
        vocab_size=vocabulary.size,
        seed=seed,
    )
    chosen = trained.index(best) + 1
    logger.info("Chose candidate %d/%d (validation ROC-AUC %.4f)", chosen, len(trained), best.validation_roc_auc)
    summary = {
        "chosen_candidate": chosen,
        "settings": best.settings.model_dump(),
        "validation_roc_auc": best.validation_roc_auc,
        "epochs_trained": best.epochs_trained,
        "wide": {"C": best.wide.c, "validation_roc_auc": best.wide.validation_roc_auc},
        "calibration": best.calibration.as_dict(),
        "seed": seed,
        "sweep": [
            {
                "settings": c.settings.model_dump(),
                "validation_roc_auc": c.validation_roc_auc,
                "epochs_trained": c.epochs_trained,
                "calibration": c.calibration.as_dict(),
            }
            for c in trained
        ],
    }
    return best.model, summary

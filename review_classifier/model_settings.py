"""The hyperparameters of a model candidate, apart from the Keras model they configure.

They live here, not in :mod:`review_classifier.model`, because a run config sets them and
``python run.py params`` documents them: both must read them without importing Keras.
"""

from __future__ import annotations

from typing import List

from pydantic import BaseModel, ConfigDict, Field


class ModelSettings(BaseModel):
    """Architecture and optimisation hyperparameters of one candidate."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    deep: bool = Field(True, description="False: the wide (linear) part alone, a logistic regression on the bags.")
    embedding_dim: int = Field(64, gt=0, description="Size of each token's learned embedding vector.")
    spatial_dropout: float = Field(0.5, ge=0.0, lt=1.0, description="Drops whole embedding channels.")
    recurrent_units: int = Field(32, ge=0, description="BiLSTM units per direction; 0 = average pooling.")
    dense_units: int = Field(32, gt=0, description="Units of the dense layer after the BiLSTM or pooling.")
    dropout: float = Field(0.5, ge=0.0, lt=1.0, description="Dropout rate before the dense layer.")
    bigram_buckets: int = Field(
        1 << 20, ge=0, description="Hash buckets of the wide bigram part (few collisions); 0 = unigrams only."
    )
    wide_c: List[float] = Field(
        [0.25, 1.0, 4.0, 16.0], min_length=1, description="Inverse L2 strengths of the wide fit; best on validation."
    )
    wide_min_df: int = Field(2, ge=1, description="Training texts a wide feature must occur in to count.")
    refit_wide: bool = Field(
        True, description="Chosen, the wide part is fitted again on train + validation with the C chosen on validation."
    )
    learning_rate: float = Field(1e-3, gt=0.0, description="Adam's learning rate for the deep part.")
    batch_size: int = Field(64, gt=0, description="Training texts per gradient step.")
    epochs: int = Field(15, gt=0, description="Most passes over the training split (early stopping may end sooner).")
    patience: int = Field(3, ge=0, description="Epochs without validation ROC-AUC gain before stopping.")


#: The default sweep: a BiLSTM wide & deep model at two embedding sizes, and the wide (linear) part alone,
#: so the chosen model is never worse on validation than the linear model wherever that is best.
DEFAULT_CANDIDATES = (
    ModelSettings(patience=2),
    ModelSettings(embedding_dim=128, patience=2),
    ModelSettings(deep=False, patience=2),
)

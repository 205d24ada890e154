"""The Keras 3 classifier: a "wide & deep" model over token-id sequences.

* wide: TF-IDF + logistic regression over the bag of unigrams and hashed bigrams,
  fitted exactly by scikit-learn and frozen (review_classifier/wide.py);
* deep: embedding -> bidirectional LSTM (or masked average pooling) -> dense,
  trained on top of the wide logit, from zero: it learns what the linear model misses;
* calibration: a frozen weighted sum of the two logits, weights fitted on validation
  after training (review_classifier/calibration.py).

Both parts read the same integer sequences produced by
:class:`review_classifier.vocabulary.Vocabulary`, so serving needs nothing but
the vocabulary JSON and the ``.keras`` file.
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional

import keras
import numpy as np
from keras import layers, ops
from pydantic import BaseModel, ConfigDict, Field

from review_classifier.names import MODEL_NAME
from review_classifier.vocabulary import PAD_ID
from review_classifier.wide import KERAS_PACKAGE, TfidfLogit, WideFit, bag_sizes, bags

#: The model's frozen last linear layer over the parts' logits: their sum until ``calibration.calibrate`` sets it.
CALIBRATION_LAYER = "calibration"
WIDE_LOGIT, DEEP_LOGIT = "wide_logit", "deep_logit"
#: The layers whose logits it weighs, in this order (the linear candidate has the first only).
LOGIT_PARTS = (WIDE_LOGIT, DEEP_LOGIT)


class ModelSettings(BaseModel):
    """Architecture and optimisation hyperparameters of one candidate."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    deep: bool = Field(True, description="False: the wide (linear) part alone, a logistic regression on the bags.")
    embedding_dim: int = Field(64, gt=0)
    spatial_dropout: float = Field(0.5, ge=0.0, lt=1.0, description="Drops whole embedding channels.")
    recurrent_units: int = Field(32, ge=0, description="BiLSTM units per direction; 0 = average pooling.")
    dense_units: int = Field(32, gt=0)
    dropout: float = Field(0.5, ge=0.0, lt=1.0)
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
    learning_rate: float = Field(1e-3, gt=0.0)
    batch_size: int = Field(64, gt=0)
    epochs: int = Field(15, gt=0)
    patience: int = Field(3, ge=0, description="Epochs without validation ROC-AUC gain before stopping.")


#: The default sweep: a BiLSTM wide & deep model at two embedding sizes, and the wide (linear) part alone,
#: so the chosen model is never worse on validation than the linear model wherever that is best.
DEFAULT_CANDIDATES = (
    ModelSettings(patience=2),
    ModelSettings(embedding_dim=128, patience=2),
    ModelSettings(deep=False, patience=2),
)


def build_model(
    vocab_size: int, sequence_length: int, settings: ModelSettings, wide: Optional[WideFit] = None
) -> keras.Model:
    """A compiled binary classifier whose output is P(positive class); ``wide`` sets its frozen wide part."""
    ids = keras.Input(shape=(sequence_length,), dtype="int32", name="token_ids")
    wide_logit = TfidfLogit(bag_sizes(vocab_size, settings.bigram_buckets), name=WIDE_LOGIT)
    logits = [wide_logit(bags(ids, settings.bigram_buckets))]
    if settings.deep:
        logits.append(_deep_logit(ids, vocab_size, settings))
    parts = layers.Concatenate(name="logits")(logits) if len(logits) > 1 else logits[0]
    calibrated = layers.Dense(1, kernel_initializer="ones", trainable=False, name=CALIBRATION_LAYER)(parts)
    probability = layers.Activation("sigmoid", name="probability")(calibrated)
    model = keras.Model(ids, probability, name=MODEL_NAME)
    if wide is not None:
        wide.set_into(wide_logit)
    model.compile(
        optimizer=keras.optimizers.Adam(settings.learning_rate),
        loss="binary_crossentropy",
        metrics=[keras.metrics.AUC(name="auc"), keras.metrics.BinaryAccuracy(name="accuracy")],
    )
    return model


def _deep_logit(ids: Any, vocab_size: int, settings: ModelSettings) -> Any:
    """Embedding -> channel dropout -> BiLSTM (or average pooling) -> dense -> one logit, zero at first."""
    embedded = layers.Embedding(vocab_size, settings.embedding_dim, mask_zero=True, name="embedding")(ids)
    embedded = layers.SpatialDropout1D(settings.spatial_dropout, name="channel_dropout")(embedded)
    if settings.recurrent_units:
        encoded = layers.Bidirectional(layers.LSTM(settings.recurrent_units), name="bilstm")(embedded)
    else:
        encoded = MaskedAverage(name="average")(embedded)
    hidden = layers.Dense(settings.dense_units, activation="relu", name="hidden")(
        layers.Dropout(settings.dropout)(encoded)
    )
    return layers.Dense(1, kernel_initializer="zeros", name=DEEP_LOGIT)(hidden)


@keras.saving.register_keras_serializable(package=KERAS_PACKAGE)
class MaskedAverage(layers.Layer):
    """Average of the unmasked steps; zeros for a text with none (an empty review, or only stopwords),
    where Keras' GlobalAveragePooling1D divides by zero and the model would answer NaN."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs: Any, mask: Any = None) -> Any:
        # Keras traces the layer without a mask when it infers shapes.
        weights = ops.ones_like(inputs[..., :1]) if mask is None else ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
        return ops.sum(inputs * weights, axis=1) / ops.maximum(ops.sum(weights, axis=1), 1.0)

    def compute_mask(self, inputs: Any, mask: Any = None) -> None:
        return None


def inference_function(model: keras.Model, batch_size: int = 1024) -> Callable[[np.ndarray], np.ndarray]:
    """``ids -> P(positive)`` (flat float64), compiled with XLA.

    The one prediction path: validation during training, evaluation, batch
    inference and the HTTP service all use it. Large inputs go through in
    chunks of ``batch_size`` rows.

    Each chunk is cut to the length of its longest text plus one padding column: the masked LSTM
    then runs only the steps that matter, and the wide part gives padding no weight, so
    probabilities do not change. XLA fuses each LSTM step into a few kernels: for one review
    that is 0.8 ms against 4 ms as a plain TensorFlow graph, whose while loop runs dozens of
    small ops per step. It is called as its one concrete function: ``tf.function``'s own
    dispatch (matching the call to a trace) cost more per review than the model itself. XLA
    compiles once per input shape, so rows and columns are rounded up to powers of two (a few
    dozen shapes in all, each compiled on first use); the extra rows are all padding and
    dropped.
    """
    import tensorflow as tf

    graph = tf.function(
        lambda ids: model(ids, training=False),
        input_signature=[tf.TensorSpec([None, None], tf.int32)],
        jit_compile=True,
    ).get_concrete_function()

    def predict(ids: np.ndarray) -> np.ndarray:
        chunks = [
            np.asarray(graph(_bucketed(chunk)), dtype=np.float64).ravel()[: len(chunk)]
            for chunk in (ids[i : i + batch_size] for i in range(0, len(ids), batch_size))
        ]
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float64)

    return predict


def _bucketed(ids: np.ndarray) -> np.ndarray:
    """Cut to the longest text plus one padding column (two at least, for bigrams), then padded with
    padding ids to a power of two of rows and of columns (at most the input's width)."""
    used = np.flatnonzero((ids != PAD_ID).any(axis=0))
    needed = int(used[-1]) + 2 if len(used) else 2
    width = min(_power_of_two(needed), ids.shape[1])
    out = np.full((_power_of_two(len(ids)), width), PAD_ID, dtype=np.int32)
    out[: len(ids)] = ids[:, :width]
    return out


def _power_of_two(n: int) -> int:
    return 1 << max(n - 1, 0).bit_length()

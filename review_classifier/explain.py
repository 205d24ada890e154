"""Why this label: the exact decomposition of the model's logit, for any text.

The calibration layer (review_classifier/calibration.py) makes the logit
``w_wide * wide + w_deep * deep + b``, and the wide logit is ``sum_f value_f * coef_f + wide_bias``
over the features ``f`` present, ``value_f`` being the feature's TF-IDF value in the text
(``TfidfLogit.tfidf``). So, with nothing left over,

    logit = bias + deep + sum_f contribution_f
    bias = b + w_wide * wide_bias,    deep = w_deep * deep logit,    contribution_f = value_f * coef_f * w_wide

Every number is read from the model's own layers (the ``wide_logit`` layer's idf, coef and bias, the
calibration weights) and its own forward pass, never from how they were fitted: however the wide
part is fitted, the decomposition stays exact. The linear candidate has no deep part: deep = 0.

A feature is named in the reader's words: its normalized token(s) and the words of the text they
came from; a bigram by the two tokens it hashes, never by its bucket.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Sequence

import keras
import numpy as np
import pandas as pd

from review_classifier.dataset import TEXT
from review_classifier.decomposition import Decomposition, Feature
from review_classifier.inference import ReviewClassifier
from review_classifier.model import CALIBRATION_LAYER, DEEP_LOGIT, WIDE_LOGIT, logit_parts, needed_width
from review_classifier.text import Token
from review_classifier.vocabulary import OOV_ID
from review_classifier.wide import offsets

#: How a token the vocabulary does not know shows in a feature's text: the model sees one "unknown" id for all.
UNKNOWN = "<unknown>"
#: The columns batch inference adds when asked for each row's strongest features.
POSITIVE_FEATURES, NEGATIVE_FEATURES = "positive_features", "negative_features"


def features_json(features: Sequence[Feature]) -> str:
    """Features as a JSON list of ``{text, words, contribution}``: one table cell, in CSV or Parquet alike."""
    return json.dumps([f.model_dump(include={"text", "words", "contribution"}) for f in features])


class Explainer:
    """Decomposes the logits of a :class:`ReviewClassifier`'s model; built once per model (it copies the model
    and traces a graph)."""

    def __init__(self, classifier: ReviewClassifier, batch_size: int = 256) -> None:
        import tensorflow as tf

        model = _float64_twin(classifier.model)
        self.classifier = classifier
        self._batch_size = batch_size
        wide = model.get_layer(WIDE_LOGIT)
        calibration = model.get_layer(CALIBRATION_LAYER)
        kernel, intercept = (np.asarray(w, dtype=np.float64) for w in calibration.get_weights())
        weight_of = dict(zip(logit_parts(model), kernel[:, 0], strict=True))
        wide_weight = weight_of[WIDE_LOGIT]
        self._deep_weight = weight_of.get(DEEP_LOGIT, 0.0)
        self._weights = keras.ops.convert_to_numpy(wide.coef).astype(np.float64) * wide_weight
        self._bias = float(intercept[0] + wide_weight * float(keras.ops.convert_to_numpy(wide.bias)[0]))
        self._offsets = offsets(wide.sizes)
        outputs: Dict[str, Any] = {"bags": keras.tree.flatten(wide.input), "logit": calibration.output}
        if DEEP_LOGIT in weight_of:
            outputs["deep"] = model.get_layer(DEEP_LOGIT).output
        forward = keras.Model(model.input, outputs)

        def run(ids: Any) -> Dict[str, Any]:
            found = forward(ids, training=False)
            found["ids"], found["values"] = wide.tfidf(found["bags"])
            return found

        self._run = tf.function(run, input_signature=[tf.TensorSpec([None, None], tf.int32)]).get_concrete_function()

    def explain(self, texts: Sequence[str]) -> List[Decomposition]:
        """One decomposition per raw text, in order."""
        ids = self.classifier.encode(texts)
        found: List[Decomposition] = []
        for start in range(0, len(texts), self._batch_size):
            chunk = ids[start : start + self._batch_size]
            # The recurrent layer then runs only the steps that matter: a short review costs a quarter as much.
            out = keras.tree.map_structure(np.asarray, self._run(chunk[:, : min(needed_width(chunk), chunk.shape[1])]))
            for row, text in enumerate(texts[start : start + self._batch_size]):
                found.append(
                    Decomposition(
                        logit=float(out["logit"][row, 0]),
                        bias=self._bias,
                        deep=float(self._deep_weight * out["deep"][row, 0]) if "deep" in out else 0.0,
                        features=self._features(
                            text, [bag[row] for bag in out["bags"]], out["ids"][row], out["values"][row]
                        ),
                    )
                )
        return found

    def _features(self, text: str, bags: List[np.ndarray], ids: np.ndarray, values: np.ndarray) -> List[Feature]:
        """Each feature with a value, named after the n-grams of the text that have its id.

        Bag ``k`` holds the (k+1)-grams starting at each position (``wide.bags``): its id at position
        ``i`` is that of tokens ``i .. i+k``; position ``i`` of the first bag is token ``i``.
        """
        value_of = {int(i): float(v) for i, v in zip(ids, values, strict=True) if v != 0.0}
        source, tokens = self.classifier.normalizer.tokens_of(text)
        shown = [UNKNOWN if token_id == OOV_ID else t.text for t, token_id in zip(tokens, bags[0], strict=False)]
        names: Dict[int, Dict[str, List[str]]] = {}
        for k, (bag, offset) in enumerate(zip(bags, self._offsets, strict=True)):
            for i, bag_id in enumerate(bag):
                feature = int(bag_id) + int(offset)
                if feature in value_of:
                    words = names.setdefault(feature, {}).setdefault(" ".join(shown[i : i + k + 1]), [])
                    written = _span(source, tokens[i : i + k + 1])
                    if written not in words:
                        words.append(written)
        features = [
            Feature(
                text=" | ".join(grams),
                words=" | ".join(", ".join(words) for words in grams.values()),
                value=value_of[feature],
                weight=float(self._weights[feature]),
                contribution=value_of[feature] * float(self._weights[feature]),
            )
            for feature, grams in names.items()
        ]
        return sorted(features, key=lambda f: (-abs(f.contribution), f.text))


def _float64_twin(model: keras.Model) -> keras.Model:
    """The same model, every layer computing in float64.

    The served model computes in float32: its logit carries rounding of up to about 1e-6 (around 5
    ulps at logit 4), so a float64 decomposition of it cannot add up to it exactly. The twin
    evaluates the very same weights to 1e-15: its logit is the one decomposed, and the served
    probability is its sigmoid within 1e-6 (a unit test checks both on a whole test split).
    """

    def float64(layer: Any) -> Any:
        config = layer.get_config()
        return type(layer).from_config({**config, "dtype": "float64"} if "dtype" in config else config)

    twin = keras.models.clone_model(model, clone_function=float64)
    twin.set_weights(model.get_weights())
    return twin


def _span(source: str, tokens: Sequence[Token]) -> str:
    """The text from the first token's word to the last one's, stopwords between them included."""
    return source[tokens[0].start : tokens[-1].end]


def with_strongest_features(predictions: pd.DataFrame, classifier: ReviewClassifier, k: int) -> pd.DataFrame:
    """``predictions`` (``inference.predict_table``) with each row's ``k`` strongest positive and negative
    features, as JSON lists (``features_json``); rows without text get none. ``k`` 0: unchanged."""
    if k < 0:
        raise ValueError(f"explain_top_k must be 0 (no features) or more, got {k}")
    if k == 0:
        return predictions
    has_text = predictions["status"] == "ok"
    explained = iter(Explainer(classifier).explain(predictions.loc[has_text, TEXT].tolist()))
    rows = [next(explained) if ok else None for ok in has_text]
    found = predictions.copy()
    for column, positive in ((POSITIVE_FEATURES, True), (NEGATIVE_FEATURES, False)):
        found[column] = [None if e is None else features_json(e.strongest(k, positive)) for e in rows]
    return found

"""The BentoML service: POST /predict, POST /explain, GET /info/metadata, and BentoML's /livez and /readyz.

It imports the project's own package, so a request's text is normalized and
encoded exactly as in training. With ``AIP_MODE=PREDICTION`` the same image also speaks Vertex AI's
custom-container contract (serving/vertex.py): its port, health route and predict route.
"""

from __future__ import annotations

import gc
import importlib.abc
import os
import sys
from pathlib import Path
from typing import List, Optional

import bentoml
from fastapi import FastAPI

from review_classifier.decision import labels_of, stored_threshold
from review_classifier.names import BENTO_NAME, TEST_METRICS
from review_classifier.quiet_tensorflow import quiet_tensorflow
from serving import vertex
from serving.api import SERVICE_SETTINGS, Explanation, ModelInfo, Prediction, Texts

quiet_tensorflow()  # each worker imports TensorFlow in __init__

#: Installed for training, never used to predict. Keras imports matplotlib and scikit-learn, and NLTK SciPy,
#: whenever they are installed (plotting helpers, Keras' scikit-learn wrapper, NLTK's collocation measures);
#: refused in a worker, they are left out of its start: about 3 s of CPU of each here.
NOT_FOR_PREDICTION = frozenset({"matplotlib", "sklearn", "scipy"})


class _NotForPrediction(importlib.abc.MetaPathFinder):
    """An import finder that answers :data:`NOT_FOR_PREDICTION` as not installed, which Keras and NLTK take."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name.partition(".")[0] in NOT_FOR_PREDICTION:
            raise ModuleNotFoundError(f"{name} is not for a serving worker (serving/service.py)", name=name)


def refuse_training_libraries() -> None:
    """In this process, from now on: a worker's own, which imports nothing of them before ``__init__``."""
    if not any(isinstance(finder, _NotForPrediction) for finder in sys.meta_path):
        sys.meta_path.insert(0, _NotForPrediction())


def pinned(name: str) -> Optional[str]:
    """What the Bento build pinned in ``serving/NAME`` (serving/bento.py), None outside a Bento."""
    path = Path(__file__).with_name(name)
    return path.read_text().strip() if path.is_file() else None


#: The BentoML model to serve: $REVIEW_CLASSIFIER_MODEL, else the tag a Bento build pinned, else latest.
MODEL_TAG = os.environ.get("REVIEW_CLASSIFIER_MODEL") or pinned("model_tag.txt") or f"{BENTO_NAME}:latest"
#: Worker processes: the count a Bento build pinned (the deployment's `workers`), else one per CPU.
_WORKERS = pinned("workers.txt")
SETTINGS = {**SERVICE_SETTINGS, "workers": int(_WORKERS)} if _WORKERS else SERVICE_SETTINGS

info_app = FastAPI(title="review classifier metadata")


@bentoml.asgi_app(info_app, path="/info")
@bentoml.service(name=BENTO_NAME, **SETTINGS, **vertex.service_settings())
class ReviewClassifierService:
    """Serves one model version. BentoML answers ``/readyz`` only once ``__init__`` (load and warm-up) is done."""

    bento_model = bentoml.models.BentoModel(MODEL_TAG)

    def __init__(self) -> None:
        # Heavy imports here: only the worker process needs TensorFlow.
        refuse_training_libraries()
        import keras
        import tensorflow as tf

        # One request is a few ms of small ops: TensorFlow's own thread pools would only
        # make the workers fight over the same cores, which shows up as tail latency.
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)

        from review_classifier.explain import Explainer
        from review_classifier.inference import ReviewClassifier  # also registers the custom layers
        from review_classifier.vocabulary import Vocabulary

        stored = self.bento_model
        vocabulary = Vocabulary.model_validate_json(Path(stored.path_of("vocabulary.json")).read_text())
        model = keras.saving.load_model(stored.path_of("model.keras"), compile=False)
        self.classifier = ReviewClassifier(model, vocabulary)
        self.explainer = Explainer(self.classifier)
        self.info = ModelInfo(
            model_name=stored.info.labels["zenml_model"],
            model_version=stored.info.labels["zenml_model_version"],
            bento_model=str(stored.tag),
            decision_threshold=stored_threshold(stored.info.metadata, f"BentoML model {stored.tag}"),
            metrics=dict(stored.info.metadata.get(TEST_METRICS, {})),
        )
        # XLA compiles once per input shape: one review in each length bucket now, so no request waits for it.
        length = 1
        while length < vocabulary.sequence_length:
            self.classifier.predict_proba([" ".join(["good"] * length)])
            length = 2 * length + 1
        self.explainer.explain(["good"])  # its graph is traced once, for any shape
        # TensorFlow and Keras leave a very large heap of long-lived objects: freezing it
        # keeps Python's full garbage collections from walking it in the middle of requests.
        gc.freeze()

    @bentoml.api(route="/predict")
    def predict(self, texts: Texts) -> List[Prediction]:
        """Label and P(positive) for each text, in order."""
        return self._predictions(texts)

    @bentoml.api(route="/explain")
    def explain(self, texts: Texts) -> List[Explanation]:
        """/predict's answer for each text, with the exact decomposition of its logit.

        The probability and label come from the one prediction path, so they are /predict's to the
        last bit; the decomposition's sigmoid agrees within 1e-6 (review_classifier/explain.py).
        """
        decompositions = self.explainer.explain(texts)
        return [
            Explanation(**dict(prediction), **dict(decomposition))
            for prediction, decomposition in zip(self._predictions(texts), decompositions, strict=True)
        ]

    @bentoml.api(route=vertex.PREDICT_ROUTE)
    def vertex_predict(self, instances: Texts) -> vertex.VertexPredictions:
        """Vertex AI's request and response shape: ``instances`` are texts, each prediction /predict's answer."""
        return vertex.VertexPredictions(predictions=self._predictions(instances))

    def _predictions(self, texts: List[str]) -> List[Prediction]:
        probabilities = self.classifier.predict_proba(texts)
        version = self.info.model_version
        return [
            Prediction(label=label, probability=float(p), model_version=version)
            for label, p in zip(labels_of(probabilities, self.info.decision_threshold), probabilities, strict=True)
        ]

    @info_app.get("/metadata")
    def metadata(self) -> ModelInfo:
        """Model name, ZenML model version, its decision threshold and test metrics."""
        return self.info


if vertex.prediction_mode():
    ReviewClassifierService.add_asgi_middleware(vertex.VertexRoutes, **vertex.middleware_options())

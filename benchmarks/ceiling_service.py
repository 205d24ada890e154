"""The framework's own ceiling: the model's service with the model taken out.

Same ``@bentoml.service`` settings (workers, threads, traffic limits), same
request validation and the same response shape as ``serving/service.py``, but
``/predict`` returns a constant, so what a client measures against it is
BentoML's HTTP, validation and serialization cost alone. Served by
``benchmarks/serving_throughput.py`` next to the real service.
"""

from __future__ import annotations

from typing import List

import bentoml

from serving.api import SERVICE_SETTINGS, Prediction, Texts

CEILING_NAME = "review_classifier_ceiling"
ANSWER = Prediction(label="positive", probability=0.5, model_version="ceiling")


@bentoml.service(name=CEILING_NAME, **SERVICE_SETTINGS)
class CeilingService:
    """No model: one constant prediction per text."""

    @bentoml.api(route="/predict")
    def predict(self, texts: Texts) -> List[Prediction]:
        return [ANSWER] * len(texts)

"""The HTTP contract of the served model: request limits, response shapes, service settings.

Pydantic does the validation, so a bad request gets a 4xx naming the field
before any model code runs. Shipped in the Bento with the service; light to import (no TensorFlow),
since BentoML's main process imports the service module too.
"""

from __future__ import annotations

from typing import Annotated, Any, Dict, List

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from review_classifier.decomposition import Decomposition

MAX_TEXT_CHARS = 5000
MAX_TEXTS_PER_REQUEST = 256

#: ``@bentoml.service`` settings of the model's service, in one place so the serving benchmark's
#: no-op service (the framework's own ceiling) runs with exactly the same ones.
SERVICE_SETTINGS: Dict[str, Any] = {
    "workers": "cpu_count",  # one per core the container is given (cgroup-aware): 2 here
    "threads": 1,
    "traffic": {"timeout": 30, "max_concurrency": 128},
}


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("text must not be empty or whitespace only")
    return text


Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT_CHARS), AfterValidator(_not_blank)]
Texts = Annotated[List[Text], Field(min_length=1, max_length=MAX_TEXTS_PER_REQUEST)]


class Prediction(BaseModel):
    """One text's result."""

    label: str = Field(description="'positive' (recommends) or 'negative'")
    probability: float = Field(description="P(positive)")
    model_version: str = Field(description="ZenML model version that produced it")


class Explanation(Decomposition, Prediction):
    """One text's result, and why: /predict's label and probability with the decomposition of the logit."""


class ModelInfo(BaseModel):
    """What is being served."""

    model_name: str
    model_version: str
    bento_model: str
    decision_threshold: float = Field(description="P(positive) from which a text is labelled positive")
    metrics: Dict[str, Any]

"""Reading models back from the ZenML Model Control Plane."""

from __future__ import annotations

from typing import Optional

from zenml.client import Client
from zenml.enums import ModelStages
from zenml.models import ModelVersionResponse

from review_classifier.inference import ReviewClassifier


def production_version(model_name: str) -> Optional[ModelVersionResponse]:
    """The version currently in the ``production`` stage, if any."""
    try:
        return Client().get_model_version(model_name, ModelStages.PRODUCTION)
    except KeyError:
        return None


def load_classifier(version: ModelVersionResponse) -> ReviewClassifier:
    """The model and vocabulary artifacts of a model version, ready to predict."""
    return ReviewClassifier(
        version.get_artifact("model").load(), version.get_artifact("vocabulary").load()
    )

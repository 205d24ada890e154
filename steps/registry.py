"""Reading models back from the ZenML Model Control Plane."""

from __future__ import annotations

from typing import Optional, Union

from zenml import Model
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


def require_production(model: Model) -> None:
    """Refuses a pipeline's model version unless it is the ``production`` one: only it is served or used."""
    if model.stage != ModelStages.PRODUCTION:
        raise RuntimeError(
            f"{model.name} version {model.version} is {model.stage or 'not staged'}, not production; "
            "only the production version is deployed or used for predictions"
        )


def load_classifier(version: Union[Model, ModelVersionResponse]) -> ReviewClassifier:
    """The model and vocabulary artifacts of a model version, ready to predict."""
    return ReviewClassifier(
        version.get_artifact("model").load(), version.get_artifact("vocabulary").load()
    )

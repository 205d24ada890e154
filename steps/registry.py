"""Reading models back from the ZenML Model Control Plane."""

from __future__ import annotations

from typing import Optional, Union

from zenml import Model
from zenml.client import Client
from zenml.enums import ModelStages
from zenml.models import ModelVersionResponse

from review_classifier.inference import ReviewClassifier
from review_classifier.metrics import stored_threshold


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


def decision_threshold(version: Union[Model, ModelVersionResponse]) -> float:
    """The decision threshold the version was trained with (its metadata); a clear error if it has none."""
    if isinstance(version, Model):
        owner = f"{version.name} version {version.version}"
    else:
        owner = f"{version.model.name} version {version.number}"
    return stored_threshold(version.run_metadata, owner)


def load_classifier(version: Union[Model, ModelVersionResponse]) -> ReviewClassifier:
    """The model and vocabulary artifacts of a model version, ready to predict."""
    return ReviewClassifier(version.get_artifact("model").load(), version.get_artifact("vocabulary").load())

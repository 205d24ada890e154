"""Reading models back from the ZenML Model Control Plane."""

from __future__ import annotations

from typing import Optional, Union

from zenml import Model
from zenml.client import Client
from zenml.enums import ModelStages
from zenml.models import ModelVersionResponse

from review_classifier.drift import Reference, TextProfile
from review_classifier.inference import ReviewClassifier
from review_classifier.metrics import stored_threshold
from review_classifier.names import TEST_METRICS, VALIDATION_PROFILE


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


def _owner(version: Union[Model, ModelVersionResponse]) -> str:
    if isinstance(version, Model):
        return f"{version.name} version {version.version}"
    return f"{version.model.name} version {version.number}"


def decision_threshold(version: Union[Model, ModelVersionResponse]) -> float:
    """The decision threshold the version was trained with (its metadata); a clear error if it has none."""
    return stored_threshold(version.run_metadata, _owner(version))


def drift_reference(version: Union[Model, ModelVersionResponse]) -> Reference:
    """What the version's training saw, from metadata only: no split is reloaded.

    The validation profile is on the vocabulary artifact, the share of empty rows on
    the ingested reviews, the predicted-positive rate in the test metrics.
    """
    profile = version.get_artifact("vocabulary").run_metadata.get(VALIDATION_PROFILE)
    positive_rate = (version.run_metadata.get(TEST_METRICS) or {}).get("predicted_positive_rate")
    if profile is None or positive_rate is None:
        raise RuntimeError(
            f"{_owner(version)} was trained before drift statistics were stored with the model "
            f"(no '{VALIDATION_PROFILE}' on its vocabulary or no predicted_positive_rate in its {TEST_METRICS}); "
            "train a new version to check new data against it"
        )
    ingested = version.get_artifact("reviews").run_metadata
    return Reference(
        profile=TextProfile.model_validate(profile),
        empty_share=ingested["rows_dropped_empty_text"] / max(ingested["rows_read"], 1),
        positive_rate=positive_rate,
    )


def load_classifier(version: Union[Model, ModelVersionResponse]) -> ReviewClassifier:
    """The model and vocabulary artifacts of a model version, ready to predict."""
    return ReviewClassifier(version.get_artifact("model").load(), version.get_artifact("vocabulary").load())

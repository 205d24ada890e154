"""What ZenML records of the model, read in one place: its versions (stage, metadata, artifacts) in the
Model Control Plane, and the services the deployment step runs, tracked by the stack's model deployer.

The steps, the operator's commands (commands/) and the benchmarks all ask here. ZenML's Client API only at
import: the models table and ``make status`` answer without TensorFlow; only :func:`load_classifier` loads Keras.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, List, Optional, Union

from zenml import Model
from zenml.client import Client
from zenml.enums import ModelStages
from zenml.model_deployers import BaseModelDeployer
from zenml.models import ModelVersionResponse
from zenml.services.service import BaseDeploymentService
from zenml.utils.pagination_utils import depaginate

from review_classifier.decision import stored_threshold
from review_classifier.names import DEPLOY_STEP, DEPLOYMENT_PIPELINE, PROMOTION, TEST_METRICS, VALIDATION_PROFILE
from review_classifier.versions import VersionSummary

if TYPE_CHECKING:
    from review_classifier.drift import Reference
    from review_classifier.inference import ReviewClassifier

#: The metadata entry a rollback writes on both versions it concerns (commands/rollback.py).
ROLLBACK = "rollback"


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


def summaries(client: Client, model_name: str) -> List[VersionSummary]:
    """Every version of the model with its metadata, the run that made it, and whether one of its runs is
    still going: the rows of ``python run.py models`` and of the promote step's dashboard page."""
    versions = depaginate(client.list_model_versions, model=model_name, sort_by="number", hydrate=True)
    return [_summary(client, v) for v in versions]


def _summary(client: Client, version: ModelVersionResponse) -> VersionSummary:
    # Oldest first: the run that created the version; later ones (deployment, batch inference) only use it.
    runs = depaginate(client.list_pipeline_runs, model_version_id=version.id, sort_by="created")
    return VersionSummary(
        id=version.id,
        number=version.number,
        stage=version.stage,
        created=version.created,
        metadata=version.run_metadata,
        running=any(not r.status.is_finished for r in runs),
        run=runs[0].name if runs else None,
    )


def rolled_back_from(version: ModelVersionResponse) -> bool:
    """Whether a rollback that was deployed went away from ``version``."""
    entry = version.run_metadata.get(ROLLBACK) or {}
    return entry.get("deployed") is True and entry.get("from_version") == version.number


def previous_production(model_name: str) -> Optional[ModelVersionResponse]:
    """The latest archived version that was promoted to production and not since rolled back from."""
    versions = depaginate(Client().list_model_versions, model=model_name, sort_by="number", hydrate=True)
    candidates = [
        v
        for v in versions
        if v.stage == ModelStages.ARCHIVED
        and (v.run_metadata.get(PROMOTION) or {}).get("promoted") is True
        and not rolled_back_from(v)
    ]
    return candidates[-1] if candidates else None


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
    from review_classifier.drift import Reference, TextProfile  # scipy: batch inference only

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
    from review_classifier.inference import ReviewClassifier  # Keras: only where a model predicts

    return ReviewClassifier(version.get_artifact("model").load(), version.get_artifact("vocabulary").load())


def deployed_services(deployer: BaseModelDeployer) -> List[BaseDeploymentService]:
    """The services ``deployer`` tracks for the deployment pipeline's deploy step, newest first: normally
    the one behind the front door; more only while a deploy switches over, or after one failed half-way."""
    return deployer.find_model_server(pipeline_name=DEPLOYMENT_PIPELINE, pipeline_step_name=DEPLOY_STEP)

"""What a user does against a ZenML server, run in its own process by tests/test_stacks.py.

connect -> `make stacks` (twice) -> `zenml stack set kubeflow` -> compile -> `zenml stack set
vertex` -> compile -> a production version -> the deployment compiled on each remote stack ->
register/set `local` -> a small training run. The compile stops right
before the upload to KFP / Vertex: the spec file ZenML wrote is copied out for the test to
check. Prints one JSON object on its last line.

Environment: ZENML_CONFIG_PATH / ZENML_REPOSITORY_PATH (throw-away), SERVER_URL,
SERVER_PASSWORD, OUT_DIR, SAMPLE_CSV, TEST_IMAGE, and the stack variables.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any, Iterator

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))

from zenml.client import Client  # noqa: E402
from zenml.config.global_config import GlobalConfiguration  # noqa: E402
from zenml.integrations.gcp.orchestrators import VertexOrchestrator  # noqa: E402
from zenml.zen_stores.rest_zen_store import RestZenStoreConfiguration  # noqa: E402

import run  # noqa: E402
from review_classifier.names import DEPLOYMENT_PIPELINE, MODEL_NAME, TRAINING_PIPELINE  # noqa: E402
from stacks import register  # noqa: E402
from tests.pipeline_helpers import write_config  # noqa: E402
from zenml_fixes.kubeflow_orchestrator import ResourceAwareKubeflowOrchestrator  # noqa: E402

OUT = Path(os.environ["OUT_DIR"])
SUBMITTED = {}


def capture_instead_of_upload(self, *args, pipeline_file_path: str, **kwargs):
    """Stands in for `_upload_and_run_pipeline`: the spec is written, nothing is sent."""
    SUBMITTED["spec"] = pipeline_file_path
    return None


def registration_output() -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = register.main(["kubeflow", "vertex"])
    assert code == 0, buffer.getvalue()
    return buffer.getvalue()


def compile_spec(stack: str, image: str, spec: Path, config_name: str = "", **changes: Any) -> None:
    """Have ``stack``'s orchestrator compile a pipeline for ``image``, built already; the spec to ``spec``.

    The config is the project's ``config_name`` (default: the training config of ``stack``) with
    ``changes`` applied over its top-level keys.
    """
    Client().activate_stack(stack)
    config = yaml.safe_load((PROJECT_ROOT / "configs" / (config_name or f"{stack}.yaml")).read_text())
    config.setdefault("settings", {})["docker"] = {"parent_image": image, "skip_build": True}
    for key, value in changes.items():
        config[key] = {**config.get(key, {}), **value} if isinstance(value, dict) else value
    config_path = spec.with_suffix(".config.yaml")
    config_path.write_text(yaml.safe_dump(config))
    SUBMITTED.clear()
    run.main(["--config", str(config_path)])
    shutil.copy(SUBMITTED["spec"], spec)


def capture_uploads() -> None:
    """From now on the remote orchestrators write their spec and stop there."""
    ResourceAwareKubeflowOrchestrator._upload_and_run_pipeline = capture_instead_of_upload
    VertexOrchestrator._upload_and_run_pipeline = capture_instead_of_upload


def compile_on(stack: str, spec_suffix: str) -> dict:
    spec = OUT / f"{stack}{spec_suffix}"
    # The project's config, except that the image counts as built already (no Docker here).
    compile_spec(stack, os.environ["TEST_IMAGE"], spec)
    run_ = Client().get_pipeline(TRAINING_PIPELINE).last_run
    snapshot = run_.snapshot
    steps = snapshot.step_configurations
    return {
        "active_stack": Client().active_stack_model.name,
        "orchestrator_flavor": Client().active_stack_model.components["orchestrator"][0].flavor_name,
        "spec": str(spec),
        "upstream": {name: sorted(s.spec.upstream_steps) for name, s in steps.items()},
        "retry": {name: (s.config.retry.model_dump() if s.config.retry else None) for name, s in steps.items()},
        "resources": {name: s.config.resource_settings.model_dump(exclude_none=True) for name, s in steps.items()},
    }


def deployment_on(stack: str, spec_suffix: str) -> dict:
    """The deployment config of ``stack`` compiled by its orchestrator, under the production version."""
    spec = OUT / f"deploy-{stack}{spec_suffix}"
    compile_spec(stack, os.environ["TEST_IMAGE"], spec, config_name=f"deploy-{stack}.yaml")
    steps = Client().get_pipeline(DEPLOYMENT_PIPELINE).last_run.snapshot.step_configurations
    return {
        "spec": str(spec),
        "upstream": {name: sorted(s.spec.upstream_steps) for name, s in steps.items()},
        "parameters": {name: s.config.parameters for name, s in steps.items()},
    }


@contextlib.contextmanager
def a_production_version() -> Iterator[None]:
    """A production version of the model for the block, as a training run on the stack would leave it;
    archived after (it has no metrics, so the local training run must not take it for its incumbent)."""
    client = Client()
    if not client.list_models(name=MODEL_NAME).items:
        client.create_model(name=MODEL_NAME)
    version = client.create_model_version(model_name_or_id=MODEL_NAME, name="deployable")
    version.set_stage("production", force=True)
    try:
        yield
    finally:
        version.set_stage("archived", force=True)


def main() -> None:
    GlobalConfiguration().set_store(
        RestZenStoreConfiguration(
            url=os.environ["SERVER_URL"], username="default", password=os.environ["SERVER_PASSWORD"]
        )
    )
    Client.initialize(root=Path(os.environ["ZENML_REPOSITORY_PATH"]))
    result = {"store_is_local": Client().zen_store.is_local_store()}
    result["first_registration"] = registration_output()
    result["second_registration"] = registration_output()

    capture_uploads()
    result["kubeflow"] = compile_on("kubeflow", ".yaml")
    result["vertex"] = compile_on("vertex", ".json")
    with a_production_version():
        result["deploy_kubeflow"] = deployment_on("kubeflow", ".yaml")
        result["deploy_vertex"] = deployment_on("vertex", ".json")

    assert register.main(["local"]) == 0
    Client().activate_stack("local")
    run.main(["--config", str(write_config(OUT, os.environ["SAMPLE_CSV"], quality_minimums={}))])
    last = Client().get_pipeline(TRAINING_PIPELINE).last_run
    result["local"] = {
        "active_stack": Client().active_stack_model.name,
        "status": last.status.value,
        "stack": last.stack.name,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()

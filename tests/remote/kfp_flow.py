"""The compiled Kubeflow spec, executed: run in its own process by tests/test_kfp_spec.py.

On the container world's ZenML server: the `docker` stack builds the `kubeflow` stack's step image
from pipelines/docker_settings.py and pushes it; the `kubeflow` stack, registered with the world's registry,
object store and secret, compiles the training pipeline for that image; then every task of
the spec runs with Docker as Kubeflow would start its pod (tests/remote/kfp_spec.py). Prints
one JSON object on its last line: the run's status and steps on the server, and the bucket's
objects under the kubeflow stack's artifact path.

Environment: the world's (WORLD as JSON, its client and stack variables), OUT_DIR, SAMPLE_CSV,
MODEL_NAME, and the kubeflow stack's variables.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))

import docker  # noqa: E402
from zenml.client import Client  # noqa: E402
from zenml.constants import ORCHESTRATOR_DOCKER_IMAGE_KEY  # noqa: E402

from pipelines import PIPELINES  # noqa: E402
from pipelines.docker_settings import docker_settings  # noqa: E402
from review_classifier.names import TRAINING_PIPELINE  # noqa: E402
from stacks import register  # noqa: E402
from stacks.containers import login  # noqa: E402
from stacks.containers.state import World  # noqa: E402
from tests.pipeline_helpers import write_config  # noqa: E402
from tests.remote import kfp_spec  # noqa: E402
from tests.remote.stack_flow import capture_uploads, compile_spec  # noqa: E402

OUT = Path(os.environ["OUT_DIR"])


def step_image() -> str:
    """The `kubeflow` stack's step image, built and pushed by the `docker` stack's image builder (a cluster's
    Kaniko is not here); its pushed reference."""
    Client().activate_stack("docker")
    settings = {"docker": docker_settings("kubeflow")}
    return PIPELINES[TRAINING_PIPELINE].with_options(settings=settings).build().get_image(ORCHESTRATOR_DOCKER_IMAGE_KEY)


def main() -> None:
    Client.initialize(root=Path(os.environ["ZENML_REPOSITORY_PATH"]))
    print(login.connect(World(**json.loads(os.environ["WORLD"]))))  # secret, `docker` stack
    assert register.main(["kubeflow"]) == 0
    image = step_image()
    # The sample goes where a cluster's data would be: the object store, read by `ingest` through it.
    data_uri = os.environ["KUBEFLOW_ARTIFACT_PATH"] + "/data/sample.csv"
    Client().activate_stack("kubeflow")
    store = Client().active_stack.artifact_store
    with store.open(data_uri, "wb") as target:
        target.write(Path(os.environ["SAMPLE_CSV"]).read_bytes())
    small = yaml.safe_load(write_config(OUT, data_uri).read_text())  # tiny sweep, as the other pipeline tests
    spec_path = OUT / "kubeflow.yaml"
    capture_uploads()
    compile_spec("kubeflow", image, spec_path, parameters=small["parameters"], model={"name": os.environ["MODEL_NAME"]})
    spec = yaml.safe_load(spec_path.read_text())
    job_name = f"training-{uuid.uuid4().hex[:8]}"
    runs = kfp_spec.run(spec, job_name, docker.from_env(version="auto", timeout=kfp_spec.TASK_TIMEOUT))

    last = Client().get_pipeline(TRAINING_PIPELINE).last_run
    artifacts = [
        version.uri for step in last.steps.values() for versions in step.outputs.values() for version in versions
    ]
    print(
        json.dumps(
            {
                "image": image,
                "spec": str(spec_path),
                "job_name": job_name,
                "tasks": list(runs),
                "task_times": {step: [task.started, task.finished] for step, task in runs.items()},
                "upstream": {step: task.upstream for step, task in kfp_spec.tasks(spec).items()},
                "run": {
                    "status": last.status.value,
                    "stack": last.stack.name,
                    "orchestrator_run_id": last.orchestrator_run_id,
                    "steps": {name: step.status.value for name, step in last.steps.items()},
                    "step_times": {
                        name: [step.start_time.timestamp(), step.end_time.timestamp()]
                        for name, step in last.steps.items()
                    },
                    "model_version": last.model_version.number if last.model_version else None,
                },
                "artifact_store_path": store.path,
                "artifacts": artifacts,
                "artifacts_in_bucket": [uri for uri in artifacts if store.exists(uri)],
            }
        )
    )


if __name__ == "__main__":
    main()

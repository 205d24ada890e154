"""The compiled Kubeflow spec is executable: every task's container runs as Kubeflow would start it.

tests/remote/kfp_flow.py, against the container world's ZenML server, object store and registry:
the step image built by the `docker` stack, the `kubeflow` stack's spec compiled for it, and each
task run with Docker (the spec's own image, command, arguments, environment and limits).
"""

from __future__ import annotations

import json

import pytest

from stacks.containers import object_store
from tests.pipeline_helpers import TRAINING_STEPS
from tests.remote.kfp_spec import JOB_NAME
from tests.servers import client_workspace, run_flow

MODEL = "review_classifier_kfp_tests"  # its own model on the world's server


@pytest.fixture(scope="module")
def kfp_run(tmp_path_factory, sample_reviews, container_world):
    base = tmp_path_factory.mktemp("kfp")
    sample, env = client_workspace(base, sample_reviews)
    world = container_world
    env.update(
        {
            **world.stack_environment(),
            **world.client_environment(),
            "WORLD": json.dumps({k: v for k, v in vars(world).items() if k != "started"}),
            "ZENML_DISABLE_PIPELINE_LOGS_STORAGE": "true",
            "OUT_DIR": str(base),
            "SAMPLE_CSV": str(sample),
            "MODEL_NAME": MODEL,
            "KFP_HOST": "http://127.0.0.1:9/never-contacted",  # the spec is run here, not uploaded
            "KUBE_CONTEXT": "none",
            "KUBEFLOW_ARTIFACT_PATH": f"s3://{object_store.BUCKET}/kubeflow",
            "S3_ENDPOINT_URL": world.s3_endpoint,
            "S3_SECRET": object_store.SECRET,
            "KUBEFLOW_REGISTRY_URI": world.registry,
        }
    )
    result = run_flow("kfp_flow.py", env, timeout=2400)
    return {**result, "bucket_path": env["KUBEFLOW_ARTIFACT_PATH"], "registry": env["KUBEFLOW_REGISTRY_URI"]}


def test_every_task_ran_after_its_upstream_tasks(kfp_run) -> None:
    assert sorted(kfp_run["tasks"]) == sorted(TRAINING_STEPS)
    times = kfp_run["run"]["step_times"]
    for step, upstream in kfp_run["upstream"].items():
        assert all(times[step][0] >= times[before][1] for before in upstream), (step, upstream)
    assert {"split", "tokenize"} <= set(kfp_run["upstream"]["train"])


def test_independent_tasks_ran_at_once_as_on_kubeflow(kfp_run) -> None:
    times = kfp_run["task_times"]
    (first, first_end), (second, second_end) = times["preprocess"], times["preprocess_2"]
    assert first < second_end and second < first_end  # both normalizations' containers ran together


def test_the_run_completed_on_the_server(kfp_run) -> None:
    run = kfp_run["run"]
    assert (run["status"], run["stack"]) == ("completed", "kubeflow")
    assert run["steps"] == {step: "completed" for step in TRAINING_STEPS}
    assert run["model_version"] is not None
    # The one job name the runner gave every task is the run's id: all tasks joined one run.
    assert run["orchestrator_run_id"] == kfp_run["job_name"] != JOB_NAME


def test_the_artifacts_are_in_the_bucket(kfp_run) -> None:
    artifacts = kfp_run["artifacts"]
    assert artifacts and all(uri.startswith(kfp_run["bucket_path"] + "/") for uri in artifacts)
    assert kfp_run["artifacts_in_bucket"] == artifacts


def test_the_image_is_the_step_image_pushed_to_the_registry(kfp_run) -> None:
    assert kfp_run["image"].startswith(kfp_run["registry"] + "/") and "@sha256:" in kfp_run["image"]

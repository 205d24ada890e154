"""Stacks: definitions register, switch with `zenml stack set`, and compile to valid KFP / Vertex specs.

There is no Kubernetes or GCP here, so the remote stacks are proven up to the
point of submission: a real ZenML server, real registration, and the pipeline
compiled by ZenML's own orchestrators into the spec they would upload.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from stacks.register import load_definition
from stacks.register import main as register_main
from tests.pipeline_helpers import TRAINING_STEPS
from tests.remote.kfp_spec import tasks
from tests.servers import PASSWORD, client_workspace, run_flow, zenml_server

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TEST_IMAGE = "registry.example.com/ml/review-classifier:test"
STACK_ENV = {
    "KFP_HOST": "https://kubeflow.example.com/pipeline",
    "KUBE_CONTEXT": "example-cluster",
    "KUBEFLOW_ARTIFACT_PATH": "s3://example-bucket/zenml",
    "S3_ENDPOINT_URL": "http://minio.example.com:9000",
    "KUBEFLOW_REGISTRY_URI": "registry.example.com/ml",
    "GCP_PROJECT": "example-project",
    "GCP_REGION": "europe-west4",
    "VERTEX_SERVICE_ACCOUNT": "runner@example-project.iam.gserviceaccount.com",
    "GCS_ARTIFACT_PATH": "gs://example-bucket/zenml",
    "ARTIFACT_REGISTRY_REPOSITORY": "zenml",
}


def test_missing_variables_are_named() -> None:
    definition, missing = load_definition(PROJECT_ROOT / "stacks" / "vertex.yaml", {"GCP_PROJECT": "p"})
    assert missing == ["ARTIFACT_REGISTRY_REPOSITORY", "GCP_REGION", "GCS_ARTIFACT_PATH", "VERTEX_SERVICE_ACCOUNT"]
    assert definition["components"]["orchestrator"]["configuration"]["project"] == "p"


def test_optional_values_fall_back_or_disappear() -> None:
    definition, missing = load_definition(PROJECT_ROOT / "stacks" / "kubeflow.yaml", STACK_ENV)
    assert missing == []
    orchestrator = definition["components"]["orchestrator"]
    assert orchestrator["configuration"]["kubeflow_namespace"] == "kubeflow"
    assert "connector" not in orchestrator
    store = definition["components"]["artifact_store"]["configuration"]
    assert store == {
        "path": "s3://example-bucket/zenml",
        "client_kwargs": {"endpoint_url": "http://minio.example.com:9000"},
        "config_kwargs": {"retries": {"mode": "standard", "max_attempts": 3}},
    }


def test_remote_stacks_are_refused_on_a_local_store(monkeypatch, capsys) -> None:
    for name, value in STACK_ENV.items():
        monkeypatch.setenv(name, value)
    assert register_main(["kubeflow", "--env-file", os.devnull]) == 1
    assert "remote stacks need the client connected to a ZenML server" in capsys.readouterr().out


def test_a_flavor_whose_source_moved_is_updated_once(capsys) -> None:
    """A store from before zenml_fixes/ has ``bentoml_newstyle`` at its old path; registering repairs it."""
    from zenml.client import Client
    from zenml.models import FlavorUpdate
    from zenml.stack import Stack

    from zenml_fixes.bentoml_deployer import NewStyleBentoMLModelDeployer

    client = Client()
    assert register_main(["local", "--env-file", os.devnull]) == 0
    (stored,) = client.list_flavors(name="bentoml_newstyle").items
    old_source = "serving.zenml_deployer.NewStyleBentoMLModelDeployerFlavor"
    client.zen_store.update_flavor(stored.id, FlavorUpdate(source=old_source))
    capsys.readouterr()

    assert register_main(["local", "--env-file", os.devnull]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "stack 'local' unchanged",
        f"  flavor 'bentoml_newstyle' updated (source {old_source} -> "
        "zenml_fixes.bentoml_deployer.NewStyleBentoMLModelDeployerFlavor)",
    ]
    deployer = Stack.from_model(client.get_stack("local", allow_name_prefix_match=False)).model_deployer
    assert isinstance(deployer, NewStyleBentoMLModelDeployer)
    assert register_main(["local", "--env-file", os.devnull]) == 0
    assert capsys.readouterr().out.splitlines() == ["stack 'local' unchanged"]


@pytest.fixture(scope="module")
def stack_flow(tmp_path_factory, sample_reviews):
    """Run tests/remote/stack_flow.py against a fresh ZenML server; its JSON result."""
    base = tmp_path_factory.mktemp("stacks")
    sample, env = client_workspace(base, sample_reviews)
    with zenml_server(base / "server") as url:
        env.update(
            {
                **STACK_ENV,
                "ZENML_DISABLE_PIPELINE_LOGS_STORAGE": "true",
                "SERVER_URL": url,
                "SERVER_PASSWORD": PASSWORD,
                "OUT_DIR": str(base),
                "SAMPLE_CSV": str(sample),
                "TEST_IMAGE": TEST_IMAGE,
            }
        )
        return run_flow("stack_flow.py", env, timeout=900)


def test_client_talks_to_a_remote_server(stack_flow) -> None:
    assert stack_flow["store_is_local"] is False


def test_registration_is_idempotent(stack_flow) -> None:
    assert "stack 'kubeflow' created" in stack_flow["first_registration"]
    assert "stack 'vertex' created" in stack_flow["first_registration"]
    assert stack_flow["second_registration"].split("\n")[:2] == [
        "stack 'kubeflow' unchanged",
        "stack 'vertex' unchanged",
    ]


@pytest.mark.parametrize("stack", ["kubeflow", "vertex"])
def test_pipeline_compiles_to_a_valid_spec(stack_flow, stack: str) -> None:
    result = stack_flow[stack]
    assert result["active_stack"] == stack
    spec_file = Path(result["spec"])
    spec = yaml.safe_load(spec_file.read_text()) if stack == "kubeflow" else json.loads(spec_file.read_text())
    found = tasks(spec)
    config = yaml.safe_load((PROJECT_ROOT / "configs" / f"{stack}.yaml").read_text())

    assert sorted(found) == sorted(TRAINING_STEPS)  # one task per step
    for step, (_, dependencies, container) in found.items():
        assert dependencies == result["upstream"][step], step  # the pipeline's edges
        assert container["image"] == TEST_IMAGE
        step_settings = config["steps"].get(step, {}).get("settings", {})
        wanted = step_settings.get("resources", config["settings"]["resources"])
        assert container["resources"]["resourceCpuLimit"] == str(float(wanted["cpu_count"]))
        assert container["resources"]["resourceMemoryLimit"] == wanted["memory"][:-1]
        # ZenML retries inside the step's container (KFP's retryPolicy is not used):
        # the retry policy travels in the snapshot the container's entrypoint loads.
        expected_retry = config["steps"].get(step, {}).get("retry")
        actual_retry = result["retry"][step]
        if expected_retry:
            assert {k: actual_retry[k] for k in expected_retry} == expected_retry, step
        else:
            assert actual_retry is None, step
    assert found["train"].upstream == ["split", "tokenize"]


@pytest.mark.parametrize("stack, deploy_step", [("kubeflow", "deploy_to_kubernetes"), ("vertex", "deploy_to_vertex")])
def test_the_deployment_compiles_to_the_stack_s_serving_target(stack_flow, stack: str, deploy_step: str) -> None:
    """`zenml stack set NAME` and the deploy config: run.py lets it through, and the orchestrator compiles
    bento_and_image -> the stack's deploy step, with the config's settings, up to the upload."""
    result = stack_flow[f"deploy_{stack}"]
    spec_file = Path(result["spec"])
    spec = yaml.safe_load(spec_file.read_text()) if stack == "kubeflow" else json.loads(spec_file.read_text())
    found = tasks(spec)
    assert sorted(found) == sorted(["bento_and_image", deploy_step])
    assert result["upstream"] == {"bento_and_image": [], deploy_step: ["bento_and_image"]}
    assert {step: dependencies for step, (_, dependencies, _) in found.items()} == result["upstream"]
    config = yaml.safe_load((PROJECT_ROOT / "configs" / f"deploy-{stack}.yaml").read_text())
    settings = config["parameters"]["kubernetes" if stack == "kubeflow" else "vertex"]
    sent = result["parameters"][deploy_step]["settings"]
    assert {k: sent[k] for k in settings} == settings


def test_kubeflow_stack_uses_the_resource_aware_flavor(stack_flow) -> None:
    assert stack_flow["kubeflow"]["orchestrator_flavor"] == "kubeflow_resources"


def test_switching_back_to_local_runs_the_pipeline(stack_flow) -> None:
    assert stack_flow["local"] == {"active_stack": "local", "status": "completed", "stack": "local"}


def test_leaving_the_container_world_restores_the_stack_the_user_had(tmp_path: Path, sample_reviews) -> None:
    _, env = client_workspace(tmp_path, sample_reviews)
    with zenml_server(tmp_path / "server") as url:
        result = run_flow(
            "containers_login_flow.py", {**env, "SERVER_URL": url, "SERVER_PASSWORD": PASSWORD}, timeout=300
        )
    assert result == {"on_server": "docker", "after": "local", "message": "back on the local store, stack 'local'"}
    next_command = subprocess.run(  # the user's next `make run`, a new process
        [sys.executable, "-c", "from zenml.client import Client; print(Client().active_stack_model.name)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert next_command.stdout.split()[-1] == "local"

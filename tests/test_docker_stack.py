"""The `docker` stack for real: the image built and pushed, every step in its own container, artifacts in S3.

The container world (stacks/containers/) is brought up for the module: the Docker daemon
and the registry are reused if they answer (else started, and stopped afterwards), the
object store and the ZenML server are this module's own, on free ports. A machine without
the runtime fails here with the command that installs it; nothing is skipped.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from stacks.containers import daemon, object_store
from stacks.containers.state import World
from tests.pipeline_helpers import CACHED_ON_RERUN, TRAINING_STEPS
from tests.servers import client_workspace, run_flow

#: The flow trains with one normalization (tests/remote/docker_flow.py), so with one preprocess step.
FLOW_STEPS = [step for step in TRAINING_STEPS if step != "preprocess_2"]

PROJECT_ROOT = Path(__file__).resolve().parents[1]
#: What an unchanged second run takes from the cache (evaluate and promote always run).
CACHED_ON_SECOND_RUN = {*CACHED_ON_RERUN, "quality_gate"} - {"preprocess_2"}
#: What ZenML takes from the cache before it starts any container: the cached steps whose inputs all come from
#: cached steps. quality_gate's come from evaluate, so its container starts and finds its hit there.
CACHED_BEFORE_ANY_CONTAINER = CACHED_ON_SECOND_RUN - {"quality_gate"}


def s3(world: World):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=world.s3_endpoint,
        aws_access_key_id=world.s3_key_id,
        aws_secret_access_key=world.s3_secret_key,
        region_name="us-east-1",
    )


@pytest.fixture(scope="module")
def world(container_world):
    """The session's container world (tests/conftest.py), shared with the container serving tests."""
    return container_world


@pytest.fixture(scope="module")
def flow(world, tmp_path_factory, sample_reviews, serving_image):
    """tests/remote/docker_flow.py against the world; its JSON result. Once the flow's first run is over, the
    remote serving tests' image starts building (tests/serving_image.py), while the fault runs mostly wait."""
    base = tmp_path_factory.mktemp("docker-flow")
    sample, env = client_workspace(base, sample_reviews)
    s3(world).upload_file(str(sample), object_store.BUCKET, "zenml/data/sample.csv")
    env.update(
        {
            **world.stack_environment(),
            **world.client_environment(),
            "CONTAINERS_STATE": str(Path(world.started["zenml-server"].log).parents[1]),
            "OUT_DIR": str(base),
            "DATA_URI": f"s3://{object_store.BUCKET}/zenml/data/sample.csv",
            "PREDICTIONS_URI": f"s3://{object_store.BUCKET}/zenml/predictions/new_reviews.csv",
        }
    )
    return run_flow("docker_flow.py", env, timeout=2400, at_mark=serving_image.start)


def test_registration_is_idempotent_on_a_server(flow) -> None:
    assert flow["store_is_local"] is False
    assert flow["first_registration"].startswith("stack 'docker' created")
    assert flow["second_registration"] == "stack 'docker' unchanged"


def test_training_runs_every_step_in_a_container_pulled_from_the_registry(world, flow) -> None:
    first = flow["first"]
    assert first["status"] == "completed" and first["stack"] == "docker"
    assert first["steps"] == dict.fromkeys(FLOW_STEPS, "completed")
    assert first["images"] and all(image.startswith(f"{world.registry}/") for image in first["images"])
    catalog = httpx.get(f"http://{world.registry}/v2/_catalog", timeout=30).raise_for_status().json()["repositories"]
    assert {image[len(world.registry) + 1 :].split("@")[0].split(":")[0] for image in first["images"]} <= set(catalog)

    client = daemon.client(world.docker_host)
    # One container per step that ZenML did not take from the cache before the run started.
    cached_before = {"first": set(), "second": CACHED_BEFORE_ANY_CONTAINER, "inference": set()}
    for run, cached in cached_before.items():
        described = flow[run]
        events = client.events(
            since=int(described["started"]),
            until=int(described["started"] + described["seconds"]) + 1,
            filters={"type": "container", "event": "start"},
            decode=True,
        )
        ran = [event["Actor"]["Attributes"]["image"] for event in events]
        assert sum(image in described["images"] for image in ran) == len(set(described["steps"]) - cached), run


def test_step_logs_are_on_the_server(flow) -> None:
    first = flow["first"]
    assert all(first["logs"][step] > 0 for step in FLOW_STEPS), first["logs"]


def test_artifacts_are_in_the_bucket(world, flow) -> None:
    keys = [
        item["Key"]
        for page in s3(world).get_paginator("list_objects_v2").paginate(Bucket=object_store.BUCKET)
        for item in page.get("Contents", [])
    ]
    prefix = f"s3://{object_store.BUCKET}/"
    uris = flow["first"]["artifact_uris"] + flow["inference"]["artifact_uris"]
    assert uris and all(uri.startswith(prefix + "zenml/") for uri in uris)
    assert all(any(key.startswith(uri[len(prefix) :]) for key in keys) for uri in uris)
    assert "zenml/predictions/new_reviews.csv" in keys


def test_the_model_version_is_promoted(flow) -> None:
    assert flow["production_after_first"] == 1
    version = flow["model_version"]
    assert version["stage"] == "production"
    assert {"accuracy", "roc_auc"} <= set(version["test_metrics"])
    assert version["promotion"]["promoted"] is True


def test_an_unchanged_second_run_reuses_the_image_and_the_cache(flow) -> None:
    first, second = flow["first"], flow["second"]
    assert second["status"] == "completed"
    assert second["images"] == first["images"]
    assert {step for step, status in second["steps"].items() if status == "cached"} == CACHED_ON_SECOND_RUN


def test_batch_inference_runs_on_the_stack(flow) -> None:
    inference = flow["inference"]
    assert inference["status"] == "completed" and inference["stack"] == "docker"
    assert set(inference["steps"].values()) == {"completed"}


def test_a_zenml_server_stopped_during_a_run_fails_it_naming_the_server_and_a_rerun_completes(world, flow) -> None:
    row, faulted = flow["faults"][0], flow["faulted"]["server"]
    assert row["held"], row
    assert row["message"].startswith(f"ServiceDown: the run stopped: the ZenML server at {world.zenml_url} does not")
    assert faulted["production_after"] == faulted["production_before"] == str(flow["production_after_first"])


def test_an_s3_store_unreachable_during_a_run_retries_then_fails_naming_the_store(world, flow) -> None:
    row, faulted = flow["faults"][1], flow["faulted"]["store"]
    assert row["held"], row
    store = f"the artifact store 'docker-artifacts' at s3://{object_store.BUCKET}/zenml (endpoint {world.s3_endpoint})"
    assert row["message"].startswith(f"ServiceDown: the run stopped: {store} cannot be reached (")
    # configs/docker.yaml's 2 retries: logged by the step's container, each attempt a step run of ZenML's.
    assert faulted["retries"] == 2 and faulted["attempts"]["ingest"] == 3, faulted["step_log"]
    assert faulted["production_after"] == faulted["production_before"] == str(flow["production_after_first"])

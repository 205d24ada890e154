"""The `docker` stack for real: the image built and pushed, every step in its own container, artifacts in S3.

The container world (stacks/containers/) is brought up for the module: the Docker daemon
and the registry are reused if they answer (else started, and stopped afterwards), the
object store and the ZenML server are this module's own, on free ports. A machine without
the runtime fails here with the command that installs it; nothing is skipped.
"""

from __future__ import annotations

import time
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
#: What an unchanged second run takes from the cache (ingest re-reads its file; promote always decides).
CACHED_ON_SECOND_RUN = {*CACHED_ON_RERUN, "quality_gate"} - {"preprocess_2"}


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
def flow(world, tmp_path_factory, sample_reviews):
    """tests/remote/docker_flow.py against the world; its JSON result, and when it started."""
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
    started = time.time()
    return run_flow("docker_flow.py", env, timeout=2400), started


def test_registration_is_idempotent_on_a_server(flow) -> None:
    result, _ = flow
    assert result["store_is_local"] is False
    assert result["first_registration"].startswith("stack 'docker' created")
    assert result["second_registration"] == "stack 'docker' unchanged"


def test_training_runs_every_step_in_a_container_pulled_from_the_registry(world, flow) -> None:
    result, started = flow
    first = result["first"]
    assert first["status"] == "completed" and first["stack"] == "docker"
    assert first["steps"] == dict.fromkeys(FLOW_STEPS, "completed")
    assert first["images"] and all(image.startswith(f"{world.registry}/") for image in first["images"])
    catalog = httpx.get(f"http://{world.registry}/v2/_catalog", timeout=30).raise_for_status().json()["repositories"]
    assert {image[len(world.registry) + 1 :].split("@")[0].split(":")[0] for image in first["images"]} <= set(catalog)

    client = daemon.client(world.docker_host)
    events = client.events(
        since=int(started), until=int(time.time()) + 1, filters={"type": "container", "event": "start"}, decode=True
    )
    ran = [event["Actor"]["Attributes"]["image"] for event in events]
    # One container per step of each run (the first, the second and inference's): the local_docker
    # orchestrator starts a cached step's container too, which then finds its outputs in the cache.
    expected = sum(len(result[run]["steps"]) for run in ("first", "second", "inference"))
    assert sum(image in first["images"] + result["inference"]["images"] for image in ran) == expected


def test_step_logs_are_on_the_server(flow) -> None:
    first = flow[0]["first"]
    assert all(first["logs"][step] > 0 for step in FLOW_STEPS), first["logs"]


def test_artifacts_are_in_the_bucket(world, flow) -> None:
    result, _ = flow
    keys = [
        item["Key"]
        for page in s3(world).get_paginator("list_objects_v2").paginate(Bucket=object_store.BUCKET)
        for item in page.get("Contents", [])
    ]
    prefix = f"s3://{object_store.BUCKET}/"
    uris = result["first"]["artifact_uris"] + result["inference"]["artifact_uris"]
    assert uris and all(uri.startswith(prefix + "zenml/") for uri in uris)
    assert all(any(key.startswith(uri[len(prefix) :]) for key in keys) for uri in uris)
    assert "zenml/predictions/new_reviews.csv" in keys


def test_the_model_version_is_promoted(flow) -> None:
    result, _ = flow
    assert result["production_after_first"] == 1
    version = result["model_version"]
    assert version["stage"] == "production"
    assert {"accuracy", "roc_auc"} <= set(version["test_metrics"])
    assert version["promotion"]["promoted"] is True


def test_an_unchanged_second_run_reuses_the_image_and_the_cache(flow) -> None:
    first, second = flow[0]["first"], flow[0]["second"]
    assert second["status"] == "completed"
    assert second["images"] == first["images"]
    assert {step for step, status in second["steps"].items() if status == "cached"} == CACHED_ON_SECOND_RUN


def test_batch_inference_runs_on_the_stack(flow) -> None:
    inference = flow[0]["inference"]
    assert inference["status"] == "completed" and inference["stack"] == "docker"
    assert set(inference["steps"].values()) == {"completed"}

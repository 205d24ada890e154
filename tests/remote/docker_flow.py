"""What a user does on the ``docker`` stack, run in its own process by tests/test_docker_stack.py.

Log in to the container world's server, store the S3 keys as a secret and register the
``docker`` stack (twice: the second time changes nothing) -> `zenml stack set docker` ->
train from configs/docker.yaml (image built, pushed, every step in its container) -> the same
run without the cache, so that ingest's container starts, with the ZenML server stopped, then with the
S3 store unreachable, during it -> train again unchanged, both back -> batch inference. Prints one
JSON object on its last line.

Environment: the client workspace (ZENML_CONFIG_PATH / ZENML_REPOSITORY_PATH), the world's
client and stack variables (stacks.containers), CONTAINERS_STATE (its state directory),
OUT_DIR, DATA_URI, PREDICTIONS_URI.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Tuple

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))

from zenml.client import Client  # noqa: E402

import run  # noqa: E402
from benchmarks import fault_injection as faults  # noqa: E402
from review_classifier.names import BATCH_INFERENCE_PIPELINE, MODEL_NAME, TRAINING_PIPELINE  # noqa: E402
from stacks.containers import daemon, login, state  # noqa: E402
from tests.pipeline_helpers import production, step_logs, write_config  # noqa: E402
from tests.servers import MARK  # noqa: E402

OUT = Path(os.environ["OUT_DIR"])


def docker_config(config: dict, name: str) -> Path:
    """configs/docker.yaml's extra (pipeline, stack) over ``config``."""
    config["extra"] = {**config.get("extra", {}), "stack": "docker"}
    path = OUT / name
    path.write_text(yaml.safe_dump(config))
    return path


def describe(pipeline: str, started: float, seconds: float) -> dict:
    last = Client().get_pipeline(pipeline).last_run
    steps = last.steps
    return {
        "id": str(last.id),
        "status": last.status.value,
        "stack": last.stack.name,
        "started": started,
        "seconds": round(seconds, 1),
        "build": str(last.snapshot.build.id) if last.snapshot.build else None,
        "images": sorted({image.image for image in last.snapshot.build.images.values()}) if last.snapshot.build else [],
        "steps": {name: step.status.value for name, step in steps.items()},
        "logs": {name: len(step_logs(step)) for name, step in steps.items()},
        "artifact_uris": sorted(
            artifact.uri for step in steps.values() for artifacts in step.outputs.values() for artifact in artifacts
        ),
    }


def timed(config: Path) -> Tuple[float, float]:
    """When the run of ``config`` started (epoch seconds), and how long it took."""
    started, start = time.time(), time.monotonic()
    run.main(["--config", str(config)])
    return started, time.monotonic() - start


def main() -> None:
    world = state.load(Path(os.environ["CONTAINERS_STATE"]))
    result = {"first_registration": login.connect(world), "second_registration": login.connect(world)}
    result["store_is_local"] = Client().zen_store.is_local_store()
    Client().activate_stack("docker")

    base = yaml.safe_load((PROJECT_ROOT / "configs" / "docker.yaml").read_text())
    # One normalization: each step is a container here, and the choice among several is the KFP spec test's.
    small = yaml.safe_load(write_config(OUT, os.environ["DATA_URI"], normalizations=[{}]).read_text())
    # configs/docker.yaml's step settings (ingest's retries) and extra over the small model's parameters.
    training = docker_config({**small, "steps": base["steps"], "extra": base["extra"]}, "docker-training.yaml")
    result["first"] = describe(TRAINING_PIPELINE, *timed(training))
    result["production_after_first"] = production().number if production() else None
    print(MARK, flush=True)  # the test builds the serving image from now on (tests/serving_image.py)

    # The stack's services fail during a run, in turn; the unchanged second run comes once both answer again.
    docker = daemon.client(world.docker_host)
    server_down = faults.run_faulted(
        training, MODEL_NAME, docker, "ingest", lambda: faults.server_stopped(Path(os.environ["CONTAINERS_STATE"]))
    )
    store_port = int(world.s3_endpoint.rsplit(":", 1)[1])
    store_down = faults.run_faulted(training, MODEL_NAME, docker, "ingest", lambda: faults.port_refused(store_port))
    result["faulted"] = {"server": server_down._asdict(), "store": store_down._asdict()}
    result["second"] = describe(TRAINING_PIPELINE, *timed(training))
    second = result["second"]
    cached = sum(status == "cached" for status in second["steps"].values())
    rows = [
        ("the ZenML server stopped during a training run on the docker stack", server_down, world.zenml_url),
        ("the S3 store unreachable during a training run on the docker stack", store_down, world.s3_endpoint),
    ]
    result["faults"] = [
        faults.recovered(fault, faulted, names, second["status"], second["seconds"], cached)._asdict()
        for fault, faulted, names in rows
    ]

    inference = yaml.safe_load((PROJECT_ROOT / "configs" / "inference.yaml").read_text())
    inference["parameters"]["output_uri"] = os.environ["PREDICTIONS_URI"]
    inference_config = docker_config(inference, "docker-inference.yaml")
    result["inference"] = describe(BATCH_INFERENCE_PIPELINE, *timed(inference_config))

    version = Client().get_model_version(MODEL_NAME, result["production_after_first"])
    result["model_version"] = {
        "number": version.number,
        "stage": version.stage,
        "test_metrics": sorted(version.run_metadata.get("test_metrics", {})),
        "promotion": version.run_metadata.get("promotion", {}),
    }
    (OUT / "result.json").write_text(json.dumps(result, indent=2))  # kept with the test's temporary files
    print(json.dumps(result))


if __name__ == "__main__":
    main()

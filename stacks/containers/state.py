"""What the container world is and what it started, kept as JSON in its state directory, one command at a time."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator

from stacks import zenml_server
from stacks.containers import daemon, object_store
from supervisor.processes import Started

STATE_DIR = Path(
    os.environ.get("REVIEW_CLASSIFIER_CONTAINERS_DIR") or Path.home() / ".local/state/review-classifier/containers"
)


@dataclass
class World:
    """Where everything answers, and what this state directory started (name -> process)."""

    docker_host: str = ""
    registry: str = ""
    s3_endpoint: str = ""
    s3_key_id: str = object_store.KEY_ID
    s3_secret_key: str = ""
    zenml_url: str = ""
    zenml_password: str = ""
    parent_image: str = ""
    #: The stack active on the local store before the client logged in to the world's server.
    previous_stack: str = ""
    started: Dict[str, Started] = field(default_factory=dict)

    def stack_environment(self) -> Dict[str, str]:
        """The variables ``stacks/docker.yaml``, the Docker SDK and ``pipelines/docker_settings.py`` read."""
        env = {
            "DOCKER_STACK_REGISTRY_URI": self.registry,
            "DOCKER_STACK_ARTIFACT_PATH": f"s3://{object_store.BUCKET}/zenml",
            "DOCKER_STACK_S3_ENDPOINT_URL": self.s3_endpoint,
            "DOCKER_STACK_S3_SECRET": object_store.SECRET,
        }
        if self.docker_host != daemon.DEFAULT_SOCKET:
            env["DOCKER_HOST"] = self.docker_host
        if self.parent_image:
            env["REVIEW_CLASSIFIER_PARENT_IMAGE"] = self.parent_image
        return env

    def client_environment(self) -> Dict[str, str]:
        """A ZenML client process logged in to the world's server through its environment only."""
        return {
            "ZENML_STORE_URL": self.zenml_url,
            "ZENML_STORE_USERNAME": zenml_server.USER,
            "ZENML_STORE_PASSWORD": self.zenml_password,
        }


def load(state_dir: Path) -> World:
    """The world recorded in ``state_dir`` (empty if nothing was started there)."""
    path = state_dir / "state.json"
    if not path.exists():
        return World()
    data = json.loads(path.read_text())
    data["started"] = {name: Started(**record) for name, record in data.get("started", {}).items()}
    return World(**data)


def save(state_dir: Path, world: World) -> None:
    path = state_dir / "state.json"
    data = {**vars(world), "started": {name: process.record() for name, process in world.started.items()}}
    path.write_text(json.dumps(data, indent=2))
    path.chmod(0o600)  # the server password and object store keys


@contextlib.contextmanager
def locked(state_dir: Path) -> Iterator[None]:
    """One ``up`` or ``down`` at a time per state directory."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with (state_dir / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield

"""The container world as a whole: ``up`` brings the pieces up in order, recording each as it goes,
``down`` stops what ``up`` started, the servers first and the daemon last."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import List, Optional

from stacks import zenml_server
from stacks.containers import WorldError, apt, daemon, object_store, parent_image, registry, state
from stacks.containers.state import STATE_DIR, World
from supervisor import processes

S3_PORT = int(os.environ.get("REVIEW_CLASSIFIER_S3_PORT", "9000"))
ZENML_PORT = int(os.environ.get("REVIEW_CLASSIFIER_ZENML_PORT", "8238"))
REGISTRY_PORT = int(os.environ.get("REVIEW_CLASSIFIER_REGISTRY_PORT", "5000"))
#: The order ``down`` stops them in: nothing is stopped while something that uses it still runs.
STOP_ORDER = ("zenml-server", "s3", "registry", "dockerd")


def _alive(world: World, name: str) -> bool:
    return name in world.started and world.started[name].process() is not None


def _object_store_and_server(world: World, state_dir: Path, s3_port: int, zenml_port: int) -> None:
    """The S3 store and the ZenML server, fresh together unless both run: the store keeps objects in
    memory, so a database that outlived it would point at lost artifacts."""
    if _alive(world, "s3") and _alive(world, "zenml-server"):
        return
    for name in ("s3", "zenml-server"):
        if name in world.started:
            processes.stop(world.started.pop(name))
    for port, what in ((s3_port, "the object store"), (zenml_port, "the ZenML server")):
        holder = processes.port_holder(port)
        if holder is not None:
            raise WorldError(f"port {port} for {what} is held by {holder}")
    world.s3_secret_key = secrets.token_hex(16)
    world.started["s3"] = object_store.start(state_dir / "s3", s3_port, world.s3_key_id, world.s3_secret_key)
    world.s3_endpoint = f"http://127.0.0.1:{s3_port}"

    server_dir = state_dir / "zenml-server"
    (server_dir / "zenml.db").unlink(missing_ok=True)
    world.zenml_password = secrets.token_urlsafe(16)
    world.started["zenml-server"] = zenml_server.start_server(server_dir, zenml_port, world.zenml_password)
    world.zenml_url = f"http://127.0.0.1:{zenml_port}"


def up(
    state_dir: Path = STATE_DIR,
    engine_dir: Optional[Path] = None,
    s3_port: int = S3_PORT,
    zenml_port: int = ZENML_PORT,
    registry_port: int = REGISTRY_PORT,
    local_parent_image: bool = False,
) -> World:
    """Bring the world up (idempotent). ``state_dir`` holds what is the world's own (its record, the registry's
    images, the S3 store and the ZenML server); ``engine_dir`` what worlds may share, the daemon's data
    root (its layer cache) and the parent image's making.

    A partial start is recorded as it goes, so ``down`` stops whatever a failed ``up`` left.
    """
    engine_dir = engine_dir or state_dir
    own_daemon = daemon.needs_own()
    apt.install([p for p in apt.DEBIAN_PACKAGES if own_daemon or p != "docker.io"])
    with state.locked(state_dir):
        world = state.load(state_dir)
        world.started = {name: p for name, p in world.started.items() if p.process() is not None}
        try:
            world.docker_host = daemon.running(engine_dir) or ""
            if not world.docker_host:
                world.started["dockerd"] = daemon.start(engine_dir)
                world.docker_host = daemon.own_socket(engine_dir)
            state.save(state_dir, world)
            world.registry = f"127.0.0.1:{registry_port}"
            started = registry.ensure(world.registry, state_dir / "registry")
            if started is not None:
                world.started["registry"] = started
            state.save(state_dir, world)
            _object_store_and_server(world, state_dir, s3_port, zenml_port)
            state.save(state_dir, world)
            if local_parent_image:
                world.parent_image = parent_image.ensure_parent_image(
                    daemon.client(world.docker_host), engine_dir / "parent-image", world.registry
                )
        finally:
            state.save(state_dir, world)
        (state_dir / "env").write_text("".join(f"{k}={v}\n" for k, v in world.stack_environment().items()))
        return world


def down(state_dir: Path = STATE_DIR) -> List[str]:
    """Stop what ``up`` started from ``state_dir`` (see :data:`STOP_ORDER`); the names stopped."""
    with state.locked(state_dir):
        world = state.load(state_dir)
        stopped = []
        for name in STOP_ORDER:
            if name not in world.started:
                continue
            started = world.started.pop(name)
            was_running = daemon.stop(started) if name == "dockerd" else processes.stop(started, timeout=60)
            if was_running:
                stopped.append(name)
        state.save(state_dir, world)
        return stopped


def status(state_dir: Path = STATE_DIR) -> str:
    world = state.load(state_dir)
    lines = [f"state: {state_dir}"]
    for name, process in world.started.items():
        lines.append(f"{name}: {'running' if process.process() else 'stopped'} (PID {process.pid}, log {process.log})")
    lines += [f"{k}={v}" for k, v in world.stack_environment().items()]
    if world.zenml_url:
        lines.append(f"ZenML server: {world.zenml_url} (user {zenml_server.USER})")
    return "\n".join(lines)

"""The container world the ``docker`` stack runs on: ``python -m stacks.containers up|down|status|env|install``.

``up`` (``make containers``) brings up, on loopback only, and idempotently:

* a Docker daemon: a working one is reused (``DOCKER_HOST`` or the default socket);
  otherwise Debian's ``dockerd`` with its own data root and socket, without a bridge
  network (``--bridge=none --iptables=false``): builds and containers use the host's network;
* Debian's ``docker-registry`` (Distribution) on 127.0.0.1:5000, reused if one answers there;
* an S3 object store (moto's server) with the artifact bucket, its keys in a ZenML secret;
* the ZenML server remote stacks need (:mod:`stacks.zenml_server`), the client logged in to
  it, and the ``docker`` stack registered on it;
* with ``--local-parent-image``, a parent image made from Debian packages
  (:mod:`stacks.parent_image`) for machines that cannot pull ZenML's from Docker Hub.

What it started is recorded (PID and start time) in the state directory, and ``down``
(``make stop-containers``) stops exactly that; running ``up`` again changes nothing.
The object store keeps objects in memory, so the world's ZenML database lives exactly as
long: both start fresh together, and nothing on the server points at a lost artifact.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

from stacks import parent_image, services, zenml_server
from stacks.services import ServiceError, Started

STATE_DIR = Path(
    os.environ.get("REVIEW_CLASSIFIER_CONTAINERS_DIR") or Path.home() / ".local/state/review-classifier/containers"
)
DEFAULT_DOCKER_SOCKET = "unix:///var/run/docker.sock"
REGISTRY = "127.0.0.1:5000"
S3_PORT = int(os.environ.get("REVIEW_CLASSIFIER_S3_PORT", "9000"))
ZENML_PORT = int(os.environ.get("REVIEW_CLASSIFIER_ZENML_PORT", "8238"))
BUCKET = "review-classifier"
S3_SECRET = "review-classifier-s3"
#: Debian package -> the program of it the world runs.
DEBIAN_PACKAGES = {"docker.io": "dockerd", "docker-registry": "docker-registry", "debootstrap": "debootstrap"}


@dataclass
class World:
    """Where everything answers, and what this state directory started (name -> process)."""

    docker_host: str = ""
    registry: str = REGISTRY
    s3_endpoint: str = ""
    s3_key_id: str = "review-classifier"
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
            "DOCKER_STACK_ARTIFACT_PATH": f"s3://{BUCKET}/zenml",
            "DOCKER_STACK_S3_ENDPOINT_URL": self.s3_endpoint,
            "DOCKER_STACK_S3_SECRET": S3_SECRET,
        }
        if self.docker_host != DEFAULT_DOCKER_SOCKET:
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


def _save(state_dir: Path, world: World) -> None:
    path = state_dir / "state.json"
    data = asdict(world)
    data["started"] = {name: process._asdict() for name, process in world.started.items()}
    path.write_text(json.dumps(data, indent=2))
    path.chmod(0o600)  # the server password and object store keys


@contextlib.contextmanager
def _locked(state_dir: Path) -> Iterator[None]:
    """One ``up`` or ``down`` at a time per state directory."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with (state_dir / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _program(name: str) -> Optional[str]:
    return shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.access(p, os.X_OK)), None
    )


def install(packages: Optional[List[str]] = None) -> None:
    """Install the Debian ``packages`` the world needs (default: all) as root with apt-get, or say how."""
    wanted = packages if packages is not None else list(DEBIAN_PACKAGES)
    missing = [package for package in wanted if _program(DEBIAN_PACKAGES[package]) is None]
    if not missing:
        return
    command = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise ServiceError(
            f"the container world needs {', '.join(missing)}: {' '.join(command)} (Debian/Ubuntu, as root); "
            "(with a Docker daemon of your own, docker.io is not needed)"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(command, env=env).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, check=True)
        subprocess.run(command, env=env, check=True)


def docker_client(docker_host: str) -> Any:
    """A Docker SDK client of ``docker_host``, the API version negotiated (Debian's dockerd speaks 1.41)."""
    import docker

    return docker.DockerClient(base_url=docker_host, version="auto", timeout=600)


def _answers(docker_host: str) -> bool:
    try:
        return bool(docker_client(docker_host).ping())
    except Exception:  # noqa: BLE001 - any failure means "not a working daemon"
        return False


def _docker_daemon(world: World, engine_dir: Path) -> None:
    """Reuse a working daemon, or start Debian's dockerd with its own data root and socket."""
    if os.environ.get("DOCKER_HOST"):
        if not _answers(os.environ["DOCKER_HOST"]):
            raise ServiceError(
                f"DOCKER_HOST={os.environ['DOCKER_HOST']} does not answer; start that daemon or unset it"
            )
        world.docker_host = os.environ["DOCKER_HOST"]
        return
    own = f"unix://{engine_dir / 'docker.sock'}"
    for candidate in (DEFAULT_DOCKER_SOCKET, own):
        if _answers(candidate):
            world.docker_host = candidate
            return
    dockerd = _program("dockerd")
    docker_dir = engine_dir / "docker"
    argv = [
        dockerd,
        f"--data-root={docker_dir / 'data'}",
        f"--exec-root={docker_dir / 'exec'}",
        f"--pidfile={docker_dir / 'dockerd.pid'}",
        f"--host={own}",
        # No bridge, no iptables: every build and container uses the host's network (loopback).
        "--bridge=none",
        "--iptables=false",
        "--ip6tables=false",
        # ZenML's containers ask for host.docker.internal; with no bridge it is the host itself.
        "--host-gateway-ip=127.0.0.1",
    ]
    started = services.start(argv, docker_dir / "dockerd.log")
    world.started["dockerd"] = started
    services.wait_ready("dockerd", lambda: _answers(own), started, 120)
    world.docker_host = own


def _registry(world: World, engine_dir: Path) -> None:
    host, port = REGISTRY.split(":")
    url = f"http://{REGISTRY}/v2/"
    if services.http_status(url) == 200:
        return
    if services.port_open(int(port), host):
        raise ServiceError(f"{REGISTRY} is held by {services.port_holder(int(port))}, which is not a registry")
    registry_dir = engine_dir / "registry"
    registry_dir.mkdir(parents=True, exist_ok=True)
    config = registry_dir / "config.yml"
    config.write_text(
        "version: 0.1\n"
        "log: {level: warn}\n"
        f"storage:\n  filesystem: {{rootdirectory: {registry_dir / 'data'}}}\n  delete: {{enabled: true}}\n"
        f"http:\n  addr: {REGISTRY}\n"
    )
    started = services.start(
        [_program("docker-registry") or "docker-registry", "serve", str(config)], registry_dir / "registry.log"
    )
    world.started["registry"] = started
    services.wait_ready("docker-registry", lambda: services.http_status(url) == 200, started, 60)


def _alive(world: World, name: str) -> bool:
    return name in world.started and world.started[name].process() is not None


def _object_store_and_server(world: World, state_dir: Path, s3_port: int, zenml_port: int) -> None:
    """Moto's S3 server and the ZenML server, fresh together unless both run (see the module docstring)."""
    if _alive(world, "s3") and _alive(world, "zenml-server"):
        return
    for name in ("s3", "zenml-server"):
        if name in world.started:
            services.stop(world.started.pop(name))
    for port, what in ((s3_port, "the object store"), (zenml_port, "the ZenML server")):
        if services.port_open(port):
            raise ServiceError(f"port {port} for {what} is held by {services.port_holder(port)}")
    world.s3_endpoint = f"http://127.0.0.1:{s3_port}"
    world.s3_secret_key = secrets.token_hex(16)
    argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(s3_port)]
    started = services.start(
        argv, state_dir / "s3" / "moto.log", env={**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "true"}
    )
    world.started["s3"] = started
    services.wait_ready("S3 server", lambda: services.http_status(world.s3_endpoint) is not None, started, 60)
    import boto3

    boto3.client(
        "s3",
        endpoint_url=world.s3_endpoint,
        aws_access_key_id=world.s3_key_id,
        aws_secret_access_key=world.s3_secret_key,
        region_name="us-east-1",
    ).create_bucket(Bucket=BUCKET)

    server_dir = state_dir / "zenml-server"
    (server_dir / "zenml.db").unlink(missing_ok=True)
    world.zenml_password = secrets.token_urlsafe(16)
    world.zenml_url = f"http://127.0.0.1:{zenml_port}"
    world.started["zenml-server"] = zenml_server.start_server(server_dir, zenml_port, world.zenml_password)


def up(
    state_dir: Path = STATE_DIR,
    engine_dir: Optional[Path] = None,
    s3_port: int = S3_PORT,
    zenml_port: int = ZENML_PORT,
    local_parent_image: bool = False,
) -> World:
    """Bring the world up (idempotent); ``engine_dir`` holds the daemon's data, registry storage and image cache.

    A partial start is recorded as it goes, so ``down`` stops whatever a failed ``up`` left.
    """
    engine_dir = engine_dir or state_dir
    own_daemon = not (os.environ.get("DOCKER_HOST") or _answers(DEFAULT_DOCKER_SOCKET))
    install([p for p in DEBIAN_PACKAGES if own_daemon or p != "docker.io"])
    with _locked(state_dir):
        world = load(state_dir)
        world.started = {name: p for name, p in world.started.items() if p.process() is not None}
        try:
            _docker_daemon(world, engine_dir)
            _save(state_dir, world)
            _registry(world, engine_dir)
            _save(state_dir, world)
            _object_store_and_server(world, state_dir, s3_port, zenml_port)
            _save(state_dir, world)
            if local_parent_image:
                name = f"{REGISTRY}/{parent_image.LOCAL_PARENT_IMAGE}"
                parent_image.ensure_parent_image(docker_client(world.docker_host), engine_dir / "parent-image", name)
                world.parent_image = name
        finally:
            _save(state_dir, world)
        (state_dir / "env").write_text("".join(f"{k}={v}\n" for k, v in world.stack_environment().items()))
        return world


def _dockerd_roots(started: Started) -> List[Path]:
    """The ``--exec-root`` and ``--data-root`` of the dockerd ``up`` started, while it runs."""
    process = started.process()
    arguments = process.cmdline() if process else []
    return [Path(a.split("=", 1)[1]) for a in arguments if a.startswith(("--exec-root=", "--data-root="))]


def mounts_under(root: Path) -> List[str]:
    """The mount points at or below ``root``."""
    mounted = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    return [m for m in mounted if Path(m).is_relative_to(root)]


def _unmount_under(roots: List[Path]) -> None:
    """Unmount what a stopped dockerd left mounted below its exec and data roots.

    Without a bridge it keeps its network namespace bind-mounted at ``netns/default`` after it
    exits, and one that did not end in time leaves its data root's private bind mount and its
    containers' layers; the state folder could then not be deleted ("Device or resource busy").
    """
    for target in sorted((m for root in roots for m in mounts_under(root)), reverse=True):
        if subprocess.run(["umount", target], check=False, capture_output=True).returncode:
            # "target is busy" though the daemon is gone: detached now, freed once nothing refers to it.
            subprocess.run(["umount", "--lazy", target], check=False, capture_output=True)


def down(state_dir: Path = STATE_DIR) -> List[str]:
    """Stop what ``up`` started from ``state_dir``, servers first, the daemon last; the names stopped."""
    with _locked(state_dir):
        world = load(state_dir)
        stopped = []
        for name in ("zenml-server", "s3", "registry", "dockerd"):
            if name not in world.started:
                continue
            started = world.started.pop(name)
            roots = _dockerd_roots(started) if name == "dockerd" else []
            if services.stop(started, timeout=60):
                stopped.append(name)
            _unmount_under(roots)
        _save(state_dir, world)
        return stopped


def connect(world: World) -> str:
    """Log this process's ZenML client in to the world's server, store the S3 keys as the ZenML secret,
    and register the ``docker`` stack (all idempotent); the registration summary."""
    from zenml.client import Client
    from zenml.config.global_config import GlobalConfiguration
    from zenml.zen_stores.rest_zen_store import RestZenStoreConfiguration

    from stacks import register

    config = GlobalConfiguration()
    if config.store_configuration.url != world.zenml_url:
        world.previous_stack = Client().active_stack_model.name
        config.set_store(
            RestZenStoreConfiguration(url=world.zenml_url, username=zenml_server.USER, password=world.zenml_password)
        )
    client = Client()
    values = {"aws_access_key_id": world.s3_key_id, "aws_secret_access_key": world.s3_secret_key}
    try:
        secret = client.get_secret(S3_SECRET, allow_partial_name_match=False)
        if secret.secret_values != values:
            client.update_secret(S3_SECRET, add_or_update_values=values)
    except KeyError:
        client.create_secret(S3_SECRET, values=values)
    definition, missing = register.load_definition(
        register.STACKS_DIR / "docker.yaml", {**os.environ, **world.stack_environment()}
    )
    assert not missing, missing
    return register.register(definition, client)


def disconnect(world: World) -> Optional[str]:
    """Back to the local store, on the stack that was active there before ``connect``, if this process's
    client is logged in to the world's server; what the user is left with, for them to read.

    Without this the repository would still name the server's ``docker`` stack, which the local store
    does not have, and ZenML would fall back to its ``default`` stack: the next ``make run`` would train
    from scratch there and ``make serve`` find no model deployer.
    """
    from zenml.client import Client
    from zenml.config.global_config import GlobalConfiguration

    config = GlobalConfiguration()
    if not world.zenml_url or config.store_configuration.url != world.zenml_url:
        return None
    config.set_default_store()
    client = Client()
    if world.previous_stack:
        try:
            client.activate_stack(world.previous_stack)
        except KeyError:
            return f"back on the local store; its stack '{world.previous_stack}' is gone: `zenml stack set NAME`"
    return f"back on the local store, stack '{client.active_stack_model.name}'"


def _status(state_dir: Path) -> str:
    world = load(state_dir)
    lines = [f"state: {state_dir}"]
    for name, process in world.started.items():
        lines.append(f"{name}: {'running' if process.process() else 'stopped'} (PID {process.pid}, log {process.log})")
    lines += [f"{k}={v}" for k, v in world.stack_environment().items()]
    if world.zenml_url:
        lines.append(f"ZenML server: {world.zenml_url} (user {zenml_server.USER})")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["up", "down", "status", "env", "install"])
    parser.add_argument(
        "--local-parent-image",
        action="store_true",
        help="up: also make the parent image from Debian packages (where Docker Hub is unreachable)",
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "install":
            install()
        elif args.command == "up":
            world = up(local_parent_image=args.local_parent_image)
            print(connect(world))
            with _locked(STATE_DIR):
                _save(STATE_DIR, world)
            print(_status(STATE_DIR))
            print(f"Use it: export $(cat {STATE_DIR / 'env'})  # then: zenml stack set docker")
        elif args.command == "down":
            client = disconnect(load(STATE_DIR))
            stopped = down()
            print(f"stopped: {', '.join(stopped)}" if stopped else "nothing of ours was running")
            if client is not None:
                print(client)
        elif args.command == "status":
            print(_status(STATE_DIR))
        else:
            print("\n".join(f"export {k}={v}" for k, v in load(STATE_DIR).stack_environment().items()))
    except ServiceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

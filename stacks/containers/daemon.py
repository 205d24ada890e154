"""The Docker daemon of the container world: a working one reused, else Debian's ``dockerd`` with its own
data root and socket; and, when it stops, the mounts it leaves behind."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any, List, Optional

from stacks.containers import WorldError
from stacks.containers.apt import program
from supervisor import processes

DEFAULT_SOCKET = "unix:///var/run/docker.sock"


def client(docker_host: str) -> Any:
    """A Docker SDK client of ``docker_host``, the API version negotiated (Debian's dockerd speaks 1.41)."""
    import docker

    return docker.DockerClient(base_url=docker_host, version="auto", timeout=600)


def answers(docker_host: str) -> bool:
    try:
        return bool(client(docker_host).ping())
    except Exception:  # noqa: BLE001 - any failure means "not a working daemon"
        return False


def own_socket(engine_dir: Path) -> str:
    return f"unix://{engine_dir / 'docker.sock'}"


def needs_own() -> bool:
    """No daemon of the user's answers, so the world starts its own (and needs docker.io)."""
    return not (os.environ.get("DOCKER_HOST") or answers(DEFAULT_SOCKET))


def running(engine_dir: Path) -> Optional[str]:
    """The daemon to reuse: ``DOCKER_HOST`` (which must answer), the default socket, or the one started
    in ``engine_dir`` before; None if the world must start its own."""
    if os.environ.get("DOCKER_HOST"):
        if not answers(os.environ["DOCKER_HOST"]):
            raise WorldError(f"DOCKER_HOST={os.environ['DOCKER_HOST']} does not answer; start that daemon or unset it")
        return os.environ["DOCKER_HOST"]
    return next((host for host in (DEFAULT_SOCKET, own_socket(engine_dir)) if answers(host)), None)


def start(engine_dir: Path) -> processes.Started:
    """Debian's dockerd with its data, exec root and socket in ``engine_dir``; returns once it answers."""
    docker_dir = engine_dir / "docker"
    socket = own_socket(engine_dir)
    argv = [
        program("dockerd") or "dockerd",
        f"--data-root={docker_dir / 'data'}",
        f"--exec-root={docker_dir / 'exec'}",
        f"--pidfile={docker_dir / 'dockerd.pid'}",
        f"--host={socket}",
        # No bridge, no iptables: every build and container uses the host's network (loopback).
        "--bridge=none",
        "--iptables=false",
        "--ip6tables=false",
        # ZenML's containers ask for host.docker.internal; with no bridge it is the host itself.
        "--host-gateway-ip=127.0.0.1",
    ]
    return processes.start_ready("dockerd", argv, docker_dir / "dockerd.log", lambda: answers(socket), 120)


def stop(started: processes.Started) -> bool:
    """Stop the dockerd ``start`` started and unmount what it left; whether it was running."""
    roots = _roots(started)
    stopped = processes.stop(started, timeout=60)
    _unmount_under(roots)
    return stopped


def _roots(started: processes.Started) -> List[Path]:
    """The ``--exec-root`` and ``--data-root`` of the dockerd ``start`` started, while it runs."""
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

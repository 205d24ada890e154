"""The front door: an nginx master of the project's own, on the service's port, forwarding to one of two backends.

It lets a new service start on a port of its own and take over the public port without a moment
when nothing listens there, and without closing a single client connection: its configuration
names both backend ports from the start and a flag file picks one (see serving/nginx_conf.py).
Its configuration, pid file, logs and switch flag live in the serving state directory.
"""

from __future__ import annotations

import getpass
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path
from typing import List, Optional

import httpx
import psutil

from serving.nginx_conf import BACKEND_HEADER, Backends, answering_port, render
from supervisor import processes

PROJECT_ROOT = Path(__file__).resolve().parents[1]
INSTALL_HINT = "install it: `apt-get install nginx` (Debian/Ubuntu) or `brew install nginx` (macOS)"
#: How long a stopping nginx may take to finish its in-flight requests (the service's own timeout is 30 s).
DRAIN_TIMEOUT = 90.0
STATE_VARIABLE = "REVIEW_CLASSIFIER_SERVING_DIR"


class FrontDoorError(RuntimeError):
    """The front door could not be started or switched; the message says why."""


def state_dir() -> Path:
    """Where the front door keeps its configuration, log and PID: $REVIEW_CLASSIFIER_SERVING_DIR, else .serving/."""
    return Path(os.environ.get(STATE_VARIABLE) or PROJECT_ROOT / ".serving")


def nginx_binary() -> str:
    # Debian installs it in /usr/sbin, which is not on every user's PATH.
    found = shutil.which("nginx", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin"]))
    if found is None:
        raise FrontDoorError(f"the front door needs nginx, which is not installed; {INSTALL_HINT}")
    return found


def _flag() -> Path:
    """Present: the front door forwards to its green backend; absent: to its blue one."""
    return state_dir() / "green"


def _command(*arguments: str) -> List[str]:
    directory = state_dir()
    return [nginx_binary(), "-p", f"{directory}/", "-c", str(directory / "nginx.conf"), "-e", "error.log", *arguments]


def _nginx(*arguments: str) -> None:
    done = subprocess.run(_command(*arguments), capture_output=True, text=True)
    if done.returncode != 0:
        raise FrontDoorError(f"nginx {' '.join(arguments)} failed: {done.stderr.strip()}")


def _log() -> Path:
    return state_dir() / "error.log"


def master() -> Optional[psutil.Process]:
    """The running nginx master of the state directory, if any."""
    try:
        process = psutil.Process(int((state_dir() / "nginx.pid").read_text()))
        return process if process.status() != psutil.STATUS_ZOMBIE and "nginx" in process.name() else None
    except (OSError, ValueError, psutil.Error):
        return None


def serving_port() -> Optional[int]:
    """The port the running front door listens on (None if none runs)."""
    if master() is None:
        return None
    found = re.search(r"listen 127\.0\.0\.1:(\d+)\b", (state_dir() / "nginx.conf").read_text())
    return int(found.group(1)) if found else None


def check_port(port: int) -> None:
    """Fail before anything starts if the front door cannot take ``port``, naming who holds it."""
    running = serving_port()
    if running is not None and running != port:
        raise FrontDoorError(f"the front door already serves on port {running}: deploy there, or stop it first")
    if running is None and (holder := processes.port_holder(port)):
        raise FrontDoorError(f"port {port} is already in use by {holder}; stop it or deploy on another port")


def backends() -> Optional[Backends]:
    """The two backend ports of the running front door (None if none runs)."""
    if master() is None:
        return None
    config = (state_dir() / "nginx.conf").read_text()
    ports = [re.search(rf"upstream {color} {{\s*server 127\.0\.0\.1:(\d+)", config) for color in ("blue", "green")]
    if not all(ports):
        raise FrontDoorError(
            "the running front door has a configuration of an earlier version of the project: "
            "`make stop-serve`, then `make serve`"
        )
    return Backends(*(int(found.group(1)) for found in ports))


def _active(ports: Backends) -> int:
    return ports.green if _flag().exists() else ports.blue


def active_backend() -> Optional[int]:
    """The backend port the running front door forwards to, by its configuration (None if none runs);
    :func:`routed_backend` asks whether something ready answers there."""
    ports = backends()
    return None if ports is None else _active(ports)


def standby_port() -> int:
    """The port a new service must listen on to be switched to: the one the running front door does not
    forward to, else any free port (the front door starts with it)."""
    ports = backends()
    if ports is None:
        return processes.free_port()
    standby = ports.other(_active(ports))
    if holder := processes.port_holder(standby):
        raise FrontDoorError(f"the front door's standby port {standby} is held by {holder}; stop it and deploy again")
    return standby


def _start(port: int, backend: int) -> None:
    """Start nginx on ``port`` forwarding to ``backend`` (blue), with a free port as green."""
    check_port(port)
    green = processes.free_port()
    while green == backend:
        green = processes.free_port()
    directory = state_dir()
    (directory / "temp").mkdir(parents=True, exist_ok=True)
    _flag().unlink(missing_ok=True)
    user = getpass.getuser() if os.geteuid() == 0 else None
    (directory / "nginx.conf").write_text(render(port, Backends(backend, green), _flag(), user=user))
    _nginx("-t", "-q")
    # Not daemonized, so its exit code is known: e.g. a port taken since the check above.
    try:
        processes.start_ready(
            "nginx", _command("-g", "daemon off;"), _log(), lambda: master() is not None, timeout=10, interval=0.05
        )
    except processes.NotReady as error:
        raise FrontDoorError(str(error)) from error


def routed_backend(port: int) -> Optional[int]:
    """The backend port that answered, through the front door on ``port``, that it is ready (None if none did)."""
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
    except httpx.TransportError:
        return None
    # A backend that is down or not ready does not count.
    return answering_port(response.headers.get(BACKEND_HEADER)) if response.status_code == 200 else None


def switch(port: int, new: int) -> None:
    """Make the front door on ``port`` forward every new request to ``new`` (its standby port), at one moment.

    No connection is closed: clients keep theirs, and the pools to each backend stay. A request that picked
    the old backend just before the switch and finds it stopped is forwarded to ``new``, so the old
    service may be stopped on return. If the switch cannot be made, the front door goes on forwarding
    where it did, and the error says why. With no front door running, it starts forwarding to ``new``.
    """
    ports = backends()
    if ports is None:
        _start(port, new)
        return
    before = _active(ports)
    if new != before:
        ports.other(new)  # a port the front door knows, or a ValueError naming both
        _set_flag(new == ports.green)
    if routed_backend(port) != new:  # e.g. the new service died since it was proven
        _set_flag(before == ports.green)
        raise FrontDoorError(f"the service on port {new} is not ready through the front door on port {port}")


def _set_flag(green: bool) -> None:
    if green:
        _flag().touch()
    else:
        _flag().unlink(missing_ok=True)


def stop() -> bool:
    """Stop the front door gracefully (in-flight requests finish); whether one was running."""
    running = master()
    if running is None:
        return False
    return processes.stop(processes.Started.of(running, _log()), timeout=DRAIN_TIMEOUT, stop_signal=signal.SIGQUIT)

"""The front door: an nginx master of the project's own, on the service's port, forwarding to one backend.

It lets a new service start on a port of its own and take over the public port without
a moment when nothing listens there (see serving/nginx_conf.py for how the switch is made
atomic). Its configuration, pid file, logs and switch flag live in the serving state directory.
"""

from __future__ import annotations

import getpass
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import List, Optional, Set

import httpx
import psutil

from serving.nginx_conf import BACKEND_HEADER, render
from supervisor import processes

PROJECT_ROOT = Path(__file__).resolve().parents[1]
INSTALL_HINT = "install it: `apt-get install nginx` (Debian/Ubuntu) or `brew install nginx` (macOS)"
#: How long old nginx workers may take to finish their in-flight requests (the service's own timeout is 30 s).
DRAIN_TIMEOUT = 90.0


class FrontDoorError(RuntimeError):
    """The front door could not be started or switched; the message says why."""


def state_dir() -> Path:
    """Where the front door keeps its configuration, log and PID: $REVIEW_CLASSIFIER_SERVING_DIR, else .serving/."""
    return Path(os.environ.get("REVIEW_CLASSIFIER_SERVING_DIR") or PROJECT_ROOT / ".serving")


def nginx_binary() -> str:
    # Debian installs it in /usr/sbin, which is not on every user's PATH.
    found = shutil.which("nginx", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin"]))
    if found is None:
        raise FrontDoorError(f"the front door needs nginx, which is not installed; {INSTALL_HINT}")
    return found


def _flag() -> Path:
    return state_dir() / "switch-to-next"


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
    found = re.search(r"listen 127\.0\.0\.1:(\d+);", (state_dir() / "nginx.conf").read_text())
    return int(found.group(1)) if found else None


def check_port(port: int) -> None:
    """Fail before anything starts if the front door cannot take ``port``, naming who holds it."""
    running = serving_port()
    if running is not None and running != port:
        raise FrontDoorError(f"the front door already serves on port {running}: deploy there, or stop it first")
    if running is None and (holder := processes.port_holder(port)):
        raise FrontDoorError(f"port {port} is already in use by {holder}; stop it or deploy on another port")


def _workers(process: psutil.Process) -> Set[int]:
    return {child.pid for child in process.children()}


def _apply(config: str, port: int) -> None:
    """Load ``config``: start nginx, or reload it and wait until every old worker has finished its requests."""
    directory = state_dir()
    (directory / "temp").mkdir(parents=True, exist_ok=True)
    (directory / "nginx.conf").write_text(config)
    _nginx("-t", "-q")
    running = master()
    if running is None:
        check_port(port)
        # Not daemonized, so its exit code is known: e.g. a port taken since the check above.
        try:
            processes.start_ready(
                "nginx", _command("-g", "daemon off;"), _log(), lambda: master() is not None, timeout=10, interval=0.05
            )
        except processes.NotReady as error:
            raise FrontDoorError(str(error)) from error
        return
    old = _workers(running)
    _nginx("-s", "reload")
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while time.monotonic() < deadline:
        current = _workers(running)
        if current and not current & old:
            return
        time.sleep(0.05)
    raise FrontDoorError(f"nginx workers {sorted(old)} still running {DRAIN_TIMEOUT:.0f} s after a reload")


def _config(port: int, backend: int, next_backend: Optional[int] = None) -> str:
    return render(
        port,
        backend,
        flag=_flag() if next_backend is not None else None,
        next_backend=next_backend,
        user=getpass.getuser() if os.geteuid() == 0 else None,
    )


def routed_backend(port: int) -> Optional[int]:
    """The backend port that answered, through the front door on ``port``, that it is ready (None if none did)."""
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
    except httpx.TransportError:
        return None
    header = response.headers.get(BACKEND_HEADER)
    # A backend that is down or not ready does not count.
    return int(header.rsplit(":", 1)[1]) if header and response.status_code == 200 else None


def switch(port: int, new: int, old: Optional[int]) -> None:
    """Make the front door on ``port`` forward every new request to ``new``, at one moment.

    On return no nginx worker can still send a request to ``old``: it may be stopped.
    If the switch cannot be made, the front door goes on forwarding to ``old``.
    """
    if old is None or master() is None:
        _apply(_config(port, new), port)
        return
    flag = _flag()
    flag.unlink(missing_ok=True)
    try:
        _apply(_config(port, old, next_backend=new), port)  # both known, all traffic still to `old`
        flag.touch()  # the switch
        if routed_backend(port) != new:  # e.g. the new service died since it was proven
            raise FrontDoorError(f"the service on port {new} is not ready through the front door on port {port}")
    except Exception:
        flag.unlink(missing_ok=True)
        _apply(_config(port, old), port)
        raise
    _apply(_config(port, new), port)  # only `new` known: old workers (already forwarding to `new`) drain
    flag.unlink()


def stop() -> bool:
    """Stop the front door gracefully (in-flight requests finish); whether one was running."""
    running = master()
    if running is None:
        return False
    return processes.stop(processes.Started.of(running, _log()), timeout=DRAIN_TIMEOUT, stop_signal=signal.SIGQUIT)

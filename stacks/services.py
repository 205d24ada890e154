"""Background services on loopback: start detached, wait with the cause, stop exactly what was started.

A service is recorded as its PID and process start time, so a stop never signals a process
that merely reuses the PID. Every wait that fails says why: the process exited (with its
exit code when known) or never answered, followed by the end of its log.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable, Dict, List, Mapping, NamedTuple, Optional

import httpx
import psutil


class ServiceError(RuntimeError):
    """A service could not be started or did not become ready; the message says why."""


class Started(NamedTuple):
    """A process this project started: enough to find it again, and only it."""

    pid: int
    create_time: float
    log: str

    def process(self) -> Optional[psutil.Process]:
        """The running process, or None when it is gone (or its PID now belongs to another)."""
        try:
            process = psutil.Process(self.pid)
            if abs(process.create_time() - self.create_time) > 1 or process.status() == psutil.STATUS_ZOMBIE:
                return None
            return process
        except psutil.NoSuchProcess:
            return None


def log_tail(log: Path, characters: int = 3000) -> str:
    try:
        return log.read_text(errors="replace")[-characters:]
    except OSError:
        return "(no log)"


def start(argv: List[str], log: Path, env: Optional[Mapping[str, str]] = None, cwd: Optional[Path] = None) -> Started:
    """``argv`` in its own session (it outlives this process), output appended to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
        )
    try:
        created = psutil.Process(process.pid).create_time()
    except psutil.NoSuchProcess:
        created = 0.0
    return Started(process.pid, created, str(log))


def wait_ready(name: str, ready: Callable[[], bool], started: Optional[Started], timeout: float) -> None:
    """Poll ``ready`` until it holds; a process that exits or a deadline passed raises with the log's end."""
    deadline = time.monotonic() + timeout
    while True:
        if ready():
            return
        if started is not None and started.process() is None:
            raise ServiceError(
                f"{name} exited before becoming ready; end of {started.log}:\n{log_tail(Path(started.log))}"
            )
        if time.monotonic() > deadline:
            where = f"; end of {started.log}:\n{log_tail(Path(started.log))}" if started else ""
            raise ServiceError(f"{name} not ready after {timeout:.0f} s{where}")
        time.sleep(0.5)


def stop(started: Started, timeout: float = 30) -> bool:
    """SIGTERM the service's process group, SIGKILL what lingers; False if it was not running."""
    process = started.process()
    if process is None:
        return False
    try:
        os.killpg(started.pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    _, alive = psutil.wait_procs([process], timeout=timeout)
    if alive:
        os.killpg(started.pid, signal.SIGKILL)
        psutil.wait_procs(alive, timeout=10)
    return True


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((host, port)) == 0


def port_holder(port: int) -> str:
    """Who listens on ``port``, for error messages."""
    for connection in psutil.net_connections("tcp"):
        if connection.laddr and connection.laddr.port == port and connection.status == psutil.CONN_LISTEN:
            name = psutil.Process(connection.pid).name() if connection.pid else "?"
            return f"PID {connection.pid} ({name})"
    return "another process"


def http_status(url: str, headers: Optional[Dict[str, str]] = None) -> Optional[int]:
    """The HTTP status ``url`` answers with, None if nothing answers."""
    try:
        return httpx.get(url, headers=headers, timeout=3).status_code
    except httpx.TransportError:
        return None

"""Processes on loopback: start one detached, wait until it is ready, stop it with its process group,
and tell who holds a port.

A started process is known by its PID and start time (``Started``), so a stop, even by another
command than the one that started it (``make stop-containers`` after ``make containers``), never
signals a process that merely reuses the PID. A readiness wait ends with the cause, never a bare
timeout: the process exited (with its exit code when this process started it), or it still runs
and never answered; then the end of its log.

``mirakuru`` (PyPI), made for this, was tried on paper and left out: at interpreter exit it kills
every process it started, while the container world and the front door must outlive the command
that starts them; a stop needs the very object that started the process; and its
``TimeoutExpired`` names neither an exit code nor the log.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Protocol, Union

import httpx
import psutil

#: How much of a log an error quotes.
LOG_TAIL = 3000


class NotReady(RuntimeError):
    """A process did not become ready; the message says why and quotes the end of its log."""


class Watched(Protocol):
    """What a readiness wait reads of the process it waits for, besides the readiness check."""

    def failure(self) -> Optional[str]:
        """Why it will never become ready (it exited, and how), or None while it may."""

    def log_text(self) -> str:
        """Its log so far."""

    def log_location(self) -> str:
        """Where a reader finds the whole log."""


def exit_status(code: int) -> str:
    """``Popen.returncode`` in words: a negative one is the signal that ended the process."""
    return f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"


def read_log(path: Optional[Path]) -> str:
    """A log as far as it is written, or "(no log)" when there is none (yet)."""
    try:
        return path.read_text(errors="replace") if path else "(no log)"
    except OSError:
        return "(no log)"


@dataclass(frozen=True)
class Started:
    """A process this project started: enough to find it again, and only it, from any command."""

    pid: int
    create_time: float
    log: str
    #: Only in the command that started it: the process' exit code, once it has one.
    popen: Optional[subprocess.Popen] = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, process: psutil.Process, log: Path) -> Started:
        """A running process found by its PID (e.g. from a pid file), logging to ``log``."""
        return cls(process.pid, process.create_time(), str(log))

    def record(self) -> Dict[str, Union[int, float, str]]:
        """What a state file keeps of it: ``Started(**record)`` finds it again."""
        return {"pid": self.pid, "create_time": self.create_time, "log": self.log}

    def process(self) -> Optional[psutil.Process]:
        """The running process, or None when it is gone (or its PID now belongs to another)."""
        try:
            process = psutil.Process(self.pid)
            if abs(process.create_time() - self.create_time) > 1 or process.status() == psutil.STATUS_ZOMBIE:
                return None
            return process
        except psutil.NoSuchProcess:
            return None

    def failure(self) -> Optional[str]:
        if self.popen is not None:
            code = self.popen.poll()
            return None if code is None else f"it exited with {exit_status(code)}"
        return None if self.process() is not None else f"it exited (PID {self.pid}, started by another command)"

    def log_text(self) -> str:
        return read_log(Path(self.log))

    def log_location(self) -> str:
        return self.log


class LogOnly:
    """What a wait on something already running, or on no process at all, watches: only a log (if any) to
    quote. It never fails on its own, so the wait ends when its check holds or at its deadline."""

    def __init__(self, log: Optional[Path] = None) -> None:
        self.log = log

    def failure(self) -> Optional[str]:
        return None

    def log_text(self) -> str:
        return read_log(self.log)

    def log_location(self) -> str:
        return str(self.log) if self.log else "(no log)"


def start(argv: List[str], log: Path, env: Optional[Mapping[str, str]] = None, cwd: Optional[Path] = None) -> Started:
    """``argv`` in a session of its own, its output appended to ``log``.

    Its own session: it outlives this process, and a stop reaches the whole process group it leads.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        popen = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
        )
    try:
        created = psutil.Process(popen.pid).create_time()
    except psutil.NoSuchProcess:
        created = 0.0
    return Started(popen.pid, created, str(log), popen)


def wait_ready(name: str, ready: Callable[[], bool], watched: Watched, timeout: float, interval: float = 0.5) -> None:
    """Poll ``ready`` until it holds; raise :class:`NotReady` as soon as ``watched`` fails, or at the deadline."""
    deadline = time.monotonic() + timeout
    while not ready():
        cause = watched.failure()
        if cause is None and time.monotonic() > deadline:
            cause = f"it still runs, but did not answer within {timeout:.0f} s"
        if cause is not None:
            tail = watched.log_text()[-LOG_TAIL:]
            raise NotReady(f"{name} did not become ready: {cause}; end of {watched.log_location()}:\n{tail}")
        time.sleep(interval)


def start_ready(
    name: str,
    argv: List[str],
    log: Path,
    ready: Callable[[], bool],
    timeout: float,
    env: Optional[Mapping[str, str]] = None,
    cwd: Optional[Path] = None,
    interval: float = 0.5,
) -> Started:
    """:func:`start`, then :func:`wait_ready`; a process that does not become ready is stopped before the
    error is raised, so a failed start leaves nothing running."""
    started = start(argv, log, env, cwd)
    try:
        wait_ready(name, ready, started, timeout, interval)
    except NotReady:
        stop(started)
        raise
    return started


def stop(started: Started, timeout: float = 30, stop_signal: int = signal.SIGTERM) -> bool:
    """``stop_signal`` to the process group ``started`` leads, SIGKILL to the group if its leader is still
    running after ``timeout``; whether it was running."""
    process = started.process()
    if process is None:
        return False
    try:
        os.killpg(started.pid, stop_signal)
    except ProcessLookupError:
        return False
    _, alive = psutil.wait_procs([process], timeout=timeout)
    if alive:
        os.killpg(started.pid, signal.SIGKILL)
        psutil.wait_procs(alive, timeout=10)
    return True


def stop_processes(
    processes: Iterable[psutil.Process], timeout: float = 30, signalled: Iterable[psutil.Process] = ()
) -> None:
    """SIGTERM ``processes``, then SIGKILL whatever of them and of ``signalled`` (already told to stop by
    the code that owns them) is still running after ``timeout``: for processes not in a group of ours."""
    processes = list(processes)
    for process in processes:
        try:
            process.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs([*signalled, *processes], timeout=timeout)
    for process in alive:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=10)


def http_status(url: str) -> Optional[int]:
    """The HTTP status ``url`` answers with, None if nothing answers: a readiness probe, so a short timeout
    (a socket may accept long before the server behind it answers)."""
    try:
        return httpx.get(url, timeout=3).status_code
    except httpx.TransportError:
        return None


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_holder(port: int) -> Optional[str]:
    """Who listens on TCP ``port`` (on any address), as "PID n (name)"; None if nobody does."""
    for connection in psutil.net_connections(kind="tcp"):
        if connection.status == psutil.CONN_LISTEN and connection.laddr and connection.laddr.port == port:
            if connection.pid is None:
                return "a process of another user"
            try:
                name = psutil.Process(connection.pid).name()
            except psutil.Error:
                name = "?"
            return f"PID {connection.pid} ({name})"
    return None

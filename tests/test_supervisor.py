"""supervisor/processes.py: a failed start says why and leaves nothing running; a stop ends the whole
group, also from another command, and never a process that only reuses the PID; who holds a port."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import List

import psutil
import pytest

from supervisor import processes


def python(code: str) -> List[str]:
    return [sys.executable, "-c", code]


def test_a_process_that_exits_is_reported_with_its_exit_code_and_log(tmp_path: Path) -> None:
    argv = python("import sys; print('cannot bind: address in use'); sys.exit(3)")
    with pytest.raises(processes.NotReady) as raised:
        processes.start_ready("demo", argv, tmp_path / "demo.log", lambda: False, timeout=60, interval=0.05)
    message = str(raised.value)
    assert message.startswith(f"demo did not become ready: it exited with exit code 3; end of {tmp_path / 'demo.log'}")
    assert message.endswith("cannot bind: address in use\n")


def test_a_process_that_never_answers_is_reported_running_and_stopped(tmp_path: Path) -> None:
    argv = python("import time; print('loading', flush=True); time.sleep(600)")
    started = processes.start(argv, tmp_path / "slow.log")
    with pytest.raises(processes.NotReady, match=r"slow did not become ready: it still runs, but did not answer"):
        processes.wait_ready("slow", lambda: False, started, timeout=1, interval=0.05)
    assert started.process() is not None
    assert processes.stop(started, timeout=10)
    assert started.process() is None


def test_stop_kills_the_group_when_it_ignores_the_stop_signal(tmp_path: Path) -> None:
    # `trap "" TERM` is inherited: neither the shell nor its child stops on SIGTERM.
    started = processes.start(["sh", "-c", 'trap "" TERM; sleep 600 & wait'], tmp_path / "stubborn.log")
    leader = psutil.Process(started.pid)
    processes.wait_ready("children", lambda: bool(leader.children()), started, timeout=60, interval=0.05)
    group = [leader, *leader.children()]
    assert processes.stop(started, timeout=1)
    assert all(p.status() == psutil.STATUS_ZOMBIE for p in group if p.is_running())


def test_another_command_stops_it_from_its_record_and_only_it(tmp_path: Path) -> None:
    started = processes.start(python("import time; time.sleep(600)"), tmp_path / "record.log")
    record = processes.Started(**started.record())  # as a state file gives it back, without the Popen
    assert record.failure() is None
    assert processes.stop(record, timeout=10)
    started.popen.wait()
    assert record.failure() == f"it exited (PID {started.pid}, started by another command)"
    assert not processes.stop(record)
    reused = processes.Started(os.getpid(), create_time=0.0, log="")  # this PID, but not the process recorded
    assert reused.process() is None and not processes.stop(reused)


def test_port_holder_names_the_listening_process() -> None:
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        assert processes.port_holder(port) == f"PID {os.getpid()} ({psutil.Process().name()})"
    assert processes.port_holder(port) is None

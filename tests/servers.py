"""Real servers on loopback for the tests (a ZenML server with its own store), and flow scripts in own processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Dict, Iterator, Optional, Tuple

import pandas as pd

from stacks.zenml_server import start_server
from supervisor.processes import free_port, read_log, start, stop, wait_ready

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "review-classifier-tests"


def client_workspace(directory: Path, reviews: pd.DataFrame) -> Tuple[Path, Dict[str, str]]:
    """A ZenML client of its own for a subprocess: the reviews as a CSV, and the environment
    that gives it a fresh global config and repository, apart from the test session's."""
    sample = directory / "sample.csv"
    reviews.to_csv(sample, index=False)
    (directory / "repository").mkdir()
    env = {
        **os.environ,
        "ZENML_CONFIG_PATH": str(directory / "config"),
        "ZENML_REPOSITORY_PATH": str(directory / "repository"),
    }
    return sample, env


@contextmanager
def zenml_server(directory: Path) -> Iterator[str]:
    """The ZenML server of :mod:`stacks.zenml_server` on a free loopback port, for the block's duration."""
    port = free_port()
    started = start_server(directory, port, PASSWORD)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(started)


#: The line a flow prints once what its test starts beside it may begin (``run_flow``'s ``at_mark``).
MARK = "flow: mark"


def run_flow(script: str, env: Dict[str, str], timeout: float, at_mark: Optional[Callable[[], None]] = None) -> Dict:
    """Run a flow script of tests/remote/ in its own process (its own ZenML client), its output in SCRIPT.log beside
    its client's config (``client_workspace``), and return the JSON its last line prints; a failure shows the end
    of its output. ``at_mark`` is called once the flow prints :data:`MARK`, while the flow goes on."""
    log = Path(env["ZENML_CONFIG_PATH"]).parent / f"{Path(script).stem}.log"
    deadline = time.monotonic() + timeout
    flow = start([sys.executable, str(PROJECT_ROOT / "tests" / "remote" / script)], log, env, PROJECT_ROOT)
    try:
        if at_mark is not None:
            wait_ready(f"the flow {script}'s mark", lambda: MARK in read_log(log), flow, timeout)
            at_mark()
        code = flow.popen.wait(max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        tail = read_log(log)[-5000:]
        raise AssertionError(f"the flow {script} still ran after {timeout:.0f} s; end of {log}:\n{tail}") from None
    finally:
        stop(flow)
    output = read_log(log)
    assert code == 0, output[-10000:]
    return json.loads([line for line in output.splitlines() if line.startswith("{")][-1])

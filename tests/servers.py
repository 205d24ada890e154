"""Real servers on loopback for the tests (a ZenML server with its own store), and flow scripts in own processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, Tuple

import pandas as pd

from stacks.zenml_server import start_server
from supervisor.processes import free_port, stop

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


def run_flow(script: str, env: Dict[str, str], timeout: float) -> Dict:
    """Run a flow script of tests/remote/ in its own process (its own ZenML client) and return the JSON
    its last line prints; a failure shows the end of its output."""
    done = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "tests" / "remote" / script)],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-5000:]
    return json.loads(done.stdout.strip().splitlines()[-1])

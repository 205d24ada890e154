"""Real servers on loopback for the tests: a ZenML server process, with its own store."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, Tuple

import pandas as pd

from serving.process import free_port
from stacks.services import stop
from stacks.zenml_server import start_server

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

"""Real servers on loopback for the tests: a ZenML server process, with its own store."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, Tuple

import pandas as pd

from serving.process import free_port, stop, wait_until_ready

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
    """The ZenML server teams deploy, on a free loopback port, with its own config and SQLite DB.

    Its global config is not the client's, so the client sees a remote server
    (which is what remote stacks require).
    """
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "ZENML_CONFIG_PATH": str(directory / "config"),
        "ZENML_SERVER": "true",
        "ZENML_STORE_URL": f"sqlite:///{directory / 'zenml.db'}",
        "ZENML_SERVER_AUTO_ACTIVATE": "true",
        "ZENML_DEFAULT_USER_NAME": "default",
        "ZENML_DEFAULT_USER_PASSWORD": PASSWORD,
        "ZENML_SERVER_JWT_SECRET_KEY": "review-classifier-tests-jwt-secret-0123456789",
        "ZENML_SERVER_DEPLOYMENT_TYPE": "other",
        "ZENML_ANALYTICS_OPT_IN": "false",
    }
    for name in ("ZENML_REPOSITORY_PATH", "ZENML_CUSTOM_SOURCE_ROOT"):
        env.pop(name, None)
    log = directory / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "zenml.zen_server.zen_server_api:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            cwd=directory,  # not the project: a server must not pick up the project's .zen
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_ready(url, 180, process, path="/health")
        except (RuntimeError, TimeoutError) as error:
            raise RuntimeError(f"{error}\n{log.read_text()[-3000:]}") from error
        yield url
    finally:
        stop(process)

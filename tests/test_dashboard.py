"""`make dashboard`: the local ZenML server and dashboard, without Docker, showing our runs."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.pipeline_helpers import write_config
from tests.servers import client_workspace
from serving.process import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ZENML_CLI = str(Path(sys.executable).parent / "zenml")


def get(url: str):
    with urllib.request.urlopen(url, timeout=30) as response:
        body = response.read().decode()
        return response.status, response.headers.get("content-type", ""), body


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory, sample_reviews):
    """`zenml login --local` in a throw-away config, then one small training run through it."""
    base = tmp_path_factory.mktemp("dashboard")
    sample, env = client_workspace(base, sample_reviews)
    env["ZENML_AUTO_OPEN_DASHBOARD"] = "false"
    port = free_port()
    # The same command as `make dashboard`; the daemon runs from a scratch directory.
    subprocess.run([ZENML_CLI, "login", "--local", "--port", str(port)], env=env, cwd=base,
                   stdin=subprocess.DEVNULL, check=True, capture_output=True, timeout=300)
    try:
        subprocess.run([ZENML_CLI, "init", "--path", str(base / "repository")], env=env, cwd=base, check=True,
                       capture_output=True, timeout=120)
        config = write_config(base, str(sample), quality_minimums={})
        trained = subprocess.run([sys.executable, "run.py", "--config", str(config)], env=env, cwd=PROJECT_ROOT,
                                 capture_output=True, text=True, timeout=600)
        assert trained.returncode == 0, trained.stderr[-4000:]
        yield f"http://127.0.0.1:{port}"
    finally:
        subprocess.run([ZENML_CLI, "logout", "--local"], env=env, cwd=base, capture_output=True, timeout=120)


def test_dashboard_page_is_served(dashboard: str) -> None:
    status, content_type, body = get(dashboard + "/")
    assert status == 200 and "text/html" in content_type
    assert "<title>ZenML Dashboard</title>" in body


def test_api_lists_the_run_and_its_steps(dashboard: str) -> None:
    status, _, body = get(dashboard + "/api/v1/runs?size=10&sort_by=desc:created&hydrate=true")
    assert status == 200
    runs = json.loads(body)["items"]
    assert [r["body"]["status"] for r in runs] == ["completed"]
    run_id = runs[0]["id"]
    _, _, steps_body = get(dashboard + f"/api/v1/steps?pipeline_run_id={run_id}&size=20")
    names = sorted(s["name"] for s in json.loads(steps_body)["items"])
    assert names == sorted(["ingest", "preprocess", "split", "tokenize", "train", "evaluate", "quality_gate", "promote"])

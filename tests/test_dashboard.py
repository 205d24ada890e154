"""`make dashboard`: the local ZenML server and dashboard, without Docker, showing our runs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, NamedTuple

import httpx
import pytest
import zenml

from stacks.dashboard import SURVEY_DONE_KEY
from supervisor.processes import free_port
from tests.pipeline_helpers import TRAINING_STEPS, assert_quiet, write_config
from tests.servers import client_workspace

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ZENML_CLI = str(Path(sys.executable).parent / "zenml")
DASHBOARD_ASSETS = Path(zenml.__file__).parent / "zen_server" / "dashboard" / "assets"
#: The dashboard's "send this user to the survey" rule, as shipped in its bundle (ZenML 0.98).
SURVEY_RULE = re.compile(
    r"email_opted_in===null\)return!0;let (\w+)=\w+\(\w+\);return!\1\.(\w+)&&!\1\.awareness_channels\?\.length"
)


def get(url: str):
    response = httpx.get(url, timeout=30)
    return response.status_code, response.headers.get("content-type", ""), response.text


class Dashboard(NamedTuple):
    url: str
    env: Dict[str, str]  # the client logged in to it
    run_output: str  # of `python run.py`, a process of its own


def skip_survey(env: Dict[str, str]) -> subprocess.CompletedProcess:
    """The second command of `make dashboard`."""
    return subprocess.run(
        [sys.executable, "-m", "stacks.dashboard"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def current_user(url: str) -> dict:
    """/api/v1/current-user as the dashboard sees it, logged in as the local server's default user."""
    login = httpx.post(url + "/api/v1/login", data={"username": "default", "password": ""}, timeout=30)
    token = login.raise_for_status().json()["access_token"]
    headers = {"authorization": f"Bearer {token}"}
    return httpx.get(url + "/api/v1/current-user?hydrate=true", headers=headers, timeout=30).raise_for_status().json()


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory, sample_reviews):
    """`zenml login --local` in a throw-away config, then one small training run through it."""
    base = tmp_path_factory.mktemp("dashboard")
    sample, env = client_workspace(base, sample_reviews)
    env["ZENML_AUTO_OPEN_DASHBOARD"] = "false"
    port = free_port()
    # The same command as `make dashboard`; the daemon runs from a scratch directory.
    subprocess.run(
        [ZENML_CLI, "login", "--local", "--port", str(port)],
        env=env,
        cwd=base,
        stdin=subprocess.DEVNULL,
        check=True,
        capture_output=True,
        timeout=300,
    )
    try:
        survey = skip_survey(env)
        assert survey.returncode == 0, survey.stderr[-4000:]
        subprocess.run(
            [ZENML_CLI, "init", "--path", str(base / "repository")],
            env=env,
            cwd=base,
            check=True,
            capture_output=True,
            timeout=120,
        )
        config = write_config(base, str(sample), quality_minimums={})
        trained = subprocess.run(
            [sys.executable, "run.py", "--config", str(config)],
            env=env,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert trained.returncode == 0, trained.stderr[-4000:]
        yield Dashboard(f"http://127.0.0.1:{port}", env, trained.stdout + trained.stderr)
    finally:
        subprocess.run([ZENML_CLI, "logout", "--local"], env=env, cwd=base, capture_output=True, timeout=120)


def test_dashboard_page_is_served(dashboard: Dashboard) -> None:
    status, content_type, body = get(dashboard.url + "/")
    assert status == 200 and "text/html" in content_type
    assert "<title>ZenML Dashboard</title>" in body


def test_api_lists_the_run_and_its_steps(dashboard: Dashboard) -> None:
    status, _, body = get(dashboard.url + "/api/v1/runs?size=10&sort_by=desc:created&hydrate=true")
    assert status == 200
    runs = json.loads(body)["items"]
    assert [r["body"]["status"] for r in runs] == ["completed"]
    run_id = runs[0]["id"]
    _, _, steps_body = get(dashboard.url + f"/api/v1/steps?pipeline_run_id={run_id}&size=20")
    names = sorted(s["name"] for s in json.loads(steps_body)["items"])
    assert names == sorted(TRAINING_STEPS)


def test_the_dashboard_still_sends_users_to_the_survey_by_the_rule_we_satisfy() -> None:
    rules = [m for f in DASHBOARD_ASSETS.glob("*.js") for m in SURVEY_RULE.finditer(f.read_text(errors="replace"))]
    assert [m.group(2) for m in rules] == [SURVEY_DONE_KEY]


def test_first_screen_is_the_dashboard_not_the_survey(dashboard: Dashboard) -> None:
    _, _, info = get(dashboard.url + "/api/v1/info")
    assert json.loads(info)["active"] is True  # else the dashboard asks to activate the server first
    user = current_user(dashboard.url)
    assert user["body"]["email_opted_in"] is False
    assert user["metadata"]["user_metadata"][SURVEY_DONE_KEY] is True


def test_skipping_the_survey_twice_is_harmless(dashboard: Dashboard) -> None:
    before = current_user(dashboard.url)
    again = skip_survey(dashboard.env)
    assert again.returncode == 0, again.stderr
    assert "newsletter: no" in again.stdout
    after = current_user(dashboard.url)
    assert (after["body"], after["metadata"]["user_metadata"]) == (before["body"], before["metadata"]["user_metadata"])


def test_a_run_prints_no_noise(dashboard: Dashboard) -> None:
    assert_quiet(dashboard.run_output)

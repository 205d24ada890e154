"""Test session set-up: ZenML runs in a throw-away store and repository, offline.

The environment is set before anything imports ZenML, so no test can touch the
user's global ZenML config or the project's own ``.zen`` repository.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from review_classifier.quiet import quiet_process

PROJECT_ROOT = Path(__file__).resolve().parents[1]
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="review-classifier-tests-"))

os.environ.update(
    {
        "ZENML_CONFIG_PATH": str(_SESSION_DIR / "zenml-config"),
        "ZENML_REPOSITORY_PATH": str(_SESSION_DIR / "repository"),
        # Sources (steps, cache file dependencies) still resolve against the project.
        "ZENML_CUSTOM_SOURCE_ROOT": str(PROJECT_ROOT),
        "ZENML_ANALYTICS_OPT_IN": "false",
        "ZENML_ENABLE_RICH_TRACEBACK": "false",
        "BENTOML_HOME": str(_SESSION_DIR / "bentoml"),
        "BENTOML_DO_NOT_TRACK": "true",
        # The front door and deployment record: never the project's own .serving/.
        "REVIEW_CLASSIFIER_SERVING_DIR": str(_SESSION_DIR / "serving"),
    }
)
quiet_process()

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

BUNDLED_DATA = PROJECT_ROOT / "data" / "womens_clothing_ecommerce_reviews.csv.gz"


UNIT_TESTS = Path(__file__).parent / "unit"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the pure package's tests `unit`; only other tests get a ZenML repository.

    So `make test-unit` (`pytest tests/unit`) never imports ZenML, and runs without the
    remote extra.
    """
    for item in items:
        if UNIT_TESTS in item.path.parents:
            item.add_marker(pytest.mark.unit)
    if any(UNIT_TESTS not in item.path.parents for item in items):
        from zenml.client import Client

        repository = Path(os.environ["ZENML_REPOSITORY_PATH"])
        repository.mkdir(parents=True, exist_ok=True)
        Client.initialize(root=repository)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
def bundled_reviews() -> pd.DataFrame:
    """The bundled dataset, as shipped."""
    return pd.read_csv(BUNDLED_DATA)


@pytest.fixture(scope="session")
def sample_reviews(bundled_reviews: pd.DataFrame) -> pd.DataFrame:
    """A fixed, stratified 2,000-row sample: enough to learn, small enough to be quick."""
    labels = bundled_reviews["Recommended IND"]
    return (
        bundled_reviews.groupby(labels, group_keys=False)
        .sample(frac=2000 / len(bundled_reviews), random_state=0)
        .sort_index()
    )


#: What `python -m stacks.containers up --local-parent-image` (`make containers`) writes: the world's variables.
CONTAINER_WORLD_ENV = (
    Path(
        os.environ.get("REVIEW_CLASSIFIER_CONTAINERS_DIR") or Path.home() / ".local/state/review-classifier/containers"
    )
    / "env"
)


@pytest.fixture(scope="session")
def container_world() -> dict:
    """The Docker daemon, registry and parent image of the container world, its variables set for the session.

    Not running is a failure that says how to start it, never a skip.
    """
    if not CONTAINER_WORLD_ENV.is_file():
        pytest.fail(f"the container world is not up ({CONTAINER_WORLD_ENV} missing): run `make containers`")
    world = dict(line.split("=", 1) for line in CONTAINER_WORLD_ENV.read_text().split())
    os.environ.update(world)
    state = json.loads((CONTAINER_WORLD_ENV.parent / "state.json").read_text())
    return {
        **world,
        # A ZenML client of the world's server, and the object store's keys (never in os.environ).
        "ZENML_STORE_URL": state["zenml_url"],
        "ZENML_STORE_USERNAME": "default",
        "ZENML_STORE_PASSWORD": state["zenml_password"],
        "S3_KEY_ID": state["s3_key_id"],
        "S3_SECRET_KEY": state["s3_secret_key"],
    }

"""Test session set-up: ZenML runs in a throw-away store and repository, offline.

The environment is set before anything imports ZenML, so no test can touch the
user's global ZenML config or the project's own ``.zen`` repository.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from commands.quiet import quiet_process
from commands.scratch import scratch_environment

PROJECT_ROOT = Path(__file__).resolve().parents[1]
_SESSION_DIR = scratch_environment("review-classifier-tests-")
os.environ["ZENML_ENABLE_RICH_TRACEBACK"] = "false"
quiet_process()

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from benchmarks.datasets import BUNDLED, bundled_sample  # noqa: E402

BUNDLED_DATA = BUNDLED


UNIT_TESTS = Path(__file__).parent / "unit"
#: The modules that use the container world (one Docker daemon, one registry of the session's own).
CONTAINER_MODULES = {"test_docker_stack.py", "test_kfp_spec.py", "test_remote_serving.py", "test_serving.py"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the pure package's tests `unit`; only other tests get a ZenML repository.

    So `make test-unit` (`pytest tests/unit`) never imports ZenML, and runs without the
    remote extra. The longest groups come first (``LONGEST_GROUPS``).
    """
    items.sort(key=lambda item: group_rank(worker_group(item.nodeid)))
    for item in items:
        if UNIT_TESTS in item.path.parents:
            item.add_marker(pytest.mark.unit)
    if any(UNIT_TESTS not in item.path.parents for item in items):
        from zenml.client import Client

        repository = Path(os.environ["ZENML_REPOSITORY_PATH"])
        repository.mkdir(parents=True, exist_ok=True)
        Client.initialize(root=repository)


#: Modules whose tests run on Docker only in the variant of this parameter id: their other tests (a process
#: behind the front door) are a group of their own, so they run beside the container world's, not after.
CONTAINER_VARIANTS = {"test_serving.py": "[container"}


def worker_group(nodeid: str) -> str:
    """What one pytest-xdist worker runs as a whole: a test module (its module fixtures, a trained
    model or a server, are made once), or all container tests together, so only one worker
    brings the container world up and no other worker's containers or images show in its checks."""
    module = nodeid.split("::", 1)[0]
    name = Path(module).name
    if name in CONTAINER_VARIANTS:
        return "containers" if CONTAINER_VARIANTS[name] in nodeid else module
    return "containers" if name in CONTAINER_MODULES else module


#: The groups of ``worker_group`` that take longest, longest first (measured on a `make test` here); the others
#: follow in collection order. xdist would hand groups out by their number of tests, and some of the longest
#: have few: handed out last, the run ended with one worker idle while the other ran one of them.
LONGEST_GROUPS = [
    "containers",
    "tests/test_faults.py",
    "tests/test_serving.py",
    "tests/test_stacks.py",
    "tests/test_step_cache.py",
    "tests/test_zenml_fixes.py",
    "tests/test_dashboard.py",
    "tests/test_training_pipeline.py",
    "tests/test_image_requirements.py",
]


def group_rank(group: str) -> int:
    """Where ``group`` is handed out: by ``LONGEST_GROUPS``, then all others."""
    return LONGEST_GROUPS.index(group) if group in LONGEST_GROUPS else len(LONGEST_GROUPS)


#: The niceness of a worker that does not start with the container group. That group is the run's longest and
#: waits on processes that are not its worker's children (dockerd, the registry, the containers), so only the
#: other workers can yield the CPU to it; they still get all of what it leaves idle.
OTHER_WORKERS_NICENESS = 5
_niceness_set = False


def pytest_runtest_protocol(item: pytest.Item, nextitem) -> None:
    """Under `pytest -n N`, a worker whose first test is not a container test lowers its CPU priority once,
    before it starts any process (its children inherit it)."""
    global _niceness_set
    if not _niceness_set and "PYTEST_XDIST_WORKER" in os.environ:
        _niceness_set = True
        if worker_group(item.nodeid) != "containers":
            os.nice(OTHER_WORKERS_NICENESS)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """`pytest -n N` (`make test`) hands out whole groups of ``worker_group``, in collection order."""
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False  # the order of pytest_collection_modifyitems, longest first

    class ModuleGroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return worker_group(nodeid)

    return ModuleGroupScheduling(config, log)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
def bundled_reviews() -> pd.DataFrame:
    """The bundled dataset, as shipped."""
    return pd.read_csv(BUNDLED_DATA)


@pytest.fixture(scope="session")
def sample_reviews(bundled_reviews: pd.DataFrame) -> pd.DataFrame:
    """A fixed, stratified 2,000-row sample: enough to learn, small enough to be quick."""
    return bundled_sample(bundled_reviews)


@pytest.fixture(scope="session")
def container_world(tmp_path_factory):
    """The container world (stacks/containers/): the Docker daemon and the parent image it runs (reused, with
    the daemon's layer cache), and a registry, an S3 store and a ZenML server of the session's own on free
    ports, stopped at its end (the registry's images deleted); the variables of the `docker` stack set for
    the session. A missing runtime fails here with the cause, never a skip."""
    from pipelines.docker_settings import PARENT_IMAGE_VARIABLE
    from stacks.containers import daemon, world
    from stacks.containers.state import STATE_DIR
    from supervisor.processes import free_port

    state = tmp_path_factory.mktemp("containers")
    try:
        started = world.up(
            state_dir=state,
            engine_dir=STATE_DIR,
            s3_port=free_port(),
            zenml_port=free_port(),
            registry_port=free_port(),
            # Where Docker Hub answers, ZenML's parent image may be named instead of building one.
            local_parent_image=not os.environ.get(PARENT_IMAGE_VARIABLE),
        )
        os.environ.update(started.stack_environment())
        yield started
    finally:
        stopped = world.down(state)
        shutil.rmtree(state / "registry", ignore_errors=True)  # pytest keeps the last sessions' folders
        if "dockerd" in stopped:
            left = daemon.mounts_under(STATE_DIR)
            assert not left, f"the stopped dockerd left {left} mounted"


@pytest.fixture(scope="session")
def serving_model_tag() -> str:
    """The remote serving tests' small model (tests/serving_image.py)."""
    from tests.serving_image import small_model

    return small_model(str(BUNDLED_DATA))


@pytest.fixture(scope="session")
def serving_image(serving_model_tag: str, container_world):
    """The remote serving tests' image, built and pushed on a thread (tests/serving_image.py): test_docker_stack
    starts it while its flow runs, else the first test that needs it."""
    from tests.serving_image import image_building

    with image_building(serving_model_tag) as image:
        yield image

"""How `make test` hands its groups of tests to the workers (tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import LONGEST_GROUPS, OTHER_WORKERS_NICENESS, group_rank, worker_group
from tests.imports import in_fresh_interpreter

TESTS = Path(__file__).parent
#: A worker's hook called on the node ids given, in order: its niceness before and after.
NICENESS = (
    "import json, os, shutil, sys, types; os.environ['PYTEST_XDIST_WORKER'] = 'gw0'; from tests import conftest; "
    "before = os.nice(0); "
    "[conftest.pytest_runtest_protocol(types.SimpleNamespace(nodeid=n), None) for n in sys.argv[1:]]; "
    "shutil.rmtree(conftest._SESSION_DIR); print(json.dumps([before, os.nice(0)]))"
)
CONTAINER_TEST, OTHER_TEST = "tests/test_docker_stack.py::test_x", "tests/test_faults.py::test_y"


def test_the_longest_groups_are_real_groups_handed_out_first() -> None:
    groups = {"containers"} | {f"tests/{path.name}" for path in TESTS.glob("test_*.py")}
    assert set(LONGEST_GROUPS) <= groups
    assert worker_group(CONTAINER_TEST) == "containers"
    assert group_rank("containers") == 0 < group_rank("tests/test_faults.py") < group_rank("tests/test_docs.py")


def test_only_a_worker_that_starts_beside_the_container_group_lowers_its_priority() -> None:
    """Each worker in an interpreter of its own, as under pytest-xdist: a priority lowered cannot be raised back."""
    ((before, beside),) = in_fresh_interpreter(NICENESS, OTHER_TEST, CONTAINER_TEST, OTHER_TEST)
    assert beside == min(before + OTHER_WORKERS_NICENESS, 19)
    ((before, first),) = in_fresh_interpreter(NICENESS, CONTAINER_TEST, OTHER_TEST)
    assert first == before

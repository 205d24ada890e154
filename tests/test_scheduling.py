"""How `make test` hands its groups of tests to the workers (tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import LONGEST_GROUPS, group_rank, worker_group

TESTS = Path(__file__).parent


def test_the_longest_groups_are_real_groups_handed_out_first() -> None:
    groups = {"containers"} | {f"tests/{path.name}" for path in TESTS.glob("test_*.py")}
    assert set(LONGEST_GROUPS) <= groups
    assert worker_group("tests/test_docker_stack.py::test_x") == "containers"
    assert group_rank("containers") == 0 < group_rank("tests/test_faults.py") < group_rank("tests/test_docs.py")

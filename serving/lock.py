"""The project's lock files (``requirements*.txt``) read with ``packaging``: one parser for the Bento and the tests."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT_ROOT = Path(__file__).resolve().parents[1]
_COMMENT = re.compile(r"(^|\s)#.*")


def read_lock(lock: Path) -> Dict[str, Requirement]:
    """Canonical package name -> its requirement, for every requirement line of a pip / uv lock file."""
    requirements = {}
    for line in lock.read_text().splitlines():
        line = _COMMENT.sub("", line).strip()
        if line and not line.startswith("-"):  # options such as --index-url
            requirement = Requirement(line)
            requirements[canonicalize_name(requirement.name)] = requirement
    return requirements


def pinned_requirements(packages: List[str], lock: Path = PROJECT_ROOT / "requirements.txt") -> List[str]:
    """The lock file's ``name==version`` line of each package, in order; every one must be pinned exactly."""
    requirements = read_lock(lock)
    wanted = {package: requirements.get(canonicalize_name(package)) for package in packages}
    unpinned = [p for p, r in wanted.items() if r is None or [s.operator for s in r.specifier] != ["=="]]
    if unpinned:
        raise ValueError(f"{lock}: no exact pin for {unpinned}")
    return [str(wanted[p]) for p in packages]

"""Every package the project's code imports is declared in pyproject.toml, in the install that runs the code,
and every declaration is pinned in the lock `make lock` compiles it into.

A package that arrives only as a dependency of another (psutil through ZenML, numpy through Keras) would leave
the venv, the step image and the Bento the day that other package stops requiring it. Together with the locks'
check, this also makes the remote lock cover every import of the code the remote stacks run
(tests/test_image_requirements.py checks each stack's step image).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Dict, Iterable, List

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from serving.lock import read_lock
from tests.imports import imports, python_files, third_party_imports

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
PROJECT, SETUPTOOLS = PYPROJECT["project"], PYPROJECT["tool"]["setuptools"]
#: The project's top-level packages (a package's files include its subpackages').
PACKAGES = [p for p in SETUPTOOLS["packages"] if "." not in p]
#: The project's own top-level modules: what setuptools installs, and the code that is never installed.
LOCAL = {*PACKAGES, *SETUPTOOLS["py-modules"], "tests", "benchmarks"}

#: The code each install runs -> the extras it adds to [project].dependencies. `make run`, `make serve` and the
#: Bento install the dependencies alone; the container stacks and the step image add `remote`; `make bench`
#: adds `dev`; `make test` installs everything.
REMOTE_CODE = ["stacks", "zenml_fixes"]
INSTALLS = {
    "base": (
        [p for p in PACKAGES if p not in REMOTE_CODE] + [f"{m}.py" for m in SETUPTOOLS["py-modules"]],
        [],
    ),
    "remote": (REMOTE_CODE, ["remote"]),
    "bench": (["benchmarks"], ["dev"]),
    "test": (["tests"], ["remote", "dev"]),
}
#: Each lock file -> the extras `make lock` resolves into it with the dependencies.
LOCKS = {
    "requirements.txt": [],
    "requirements-remote.txt": ["remote"],
    "requirements-dev.txt": ["dev"],
    **{f"image/requirements-{stack}.txt": [f"stack-{stack}"] for stack in ("docker", "kubeflow", "vertex")},
}


def declared(extras: Iterable[str]) -> Dict[str, Requirement]:
    """Canonical distribution name -> requirement, for [project].dependencies plus the given extras."""
    lines = PROJECT["dependencies"] + [line for extra in extras for line in PROJECT["optional-dependencies"][extra]]
    return {canonicalize_name(requirement.name): requirement for requirement in map(Requirement, lines)}


def undeclared(files: List[Path], extras: Iterable[str]) -> Dict[str, List[str]]:
    """Each third-party module ``files`` import that no declared distribution provides -> the files importing it.

    A module no installed distribution provides counts as undeclared too.
    """
    names = set(declared(extras))
    missing = {}
    for module, distributions in third_party_imports(files, LOCAL).items():
        if not distributions & names:
            importers = [f for f in files if module in {name.split(".")[0] for name in imports(f)}]
            missing[module] = [os.path.relpath(f, PROJECT_ROOT) for f in importers]
    return missing


def where(extras: List[str]) -> str:
    return " or ".join(["[project].dependencies"] + [f"[project.optional-dependencies].{e}" for e in extras])


@pytest.mark.parametrize("install", sorted(INSTALLS))
def test_every_import_is_declared_in_the_install_that_runs_it(install: str) -> None:
    entries, extras = INSTALLS[install]
    missing = undeclared(python_files(PROJECT_ROOT, entries), extras)
    assert not missing, f"imported but not declared in pyproject.toml {where(extras)}: {missing}"


def test_an_undeclared_or_uninstalled_import_is_reported_with_its_file(tmp_path: Path) -> None:
    code = tmp_path / "uses_pytest.py"
    code.write_text("import json\nimport pytest\nimport not_installed.sub\nfrom review_classifier import names\n")
    importer = [os.path.relpath(code, PROJECT_ROOT)]
    assert undeclared([code], []) == {"not_installed": importer, "pytest": importer}
    assert undeclared([code], ["dev"]) == {"not_installed": importer}


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_every_declaration_is_pinned_in_its_lock(lock: str) -> None:
    pins = read_lock(PROJECT_ROOT / lock)
    stale = {}
    for name, requirement in declared(LOCKS[lock]).items():
        versions = [spec.version for spec in pins[name].specifier if spec.operator == "=="] if name in pins else []
        if len(versions) != 1 or not requirement.specifier.contains(versions[0], prereleases=True):
            stale[str(requirement)] = str(pins.get(name, "not in the lock"))
    assert not stale, f"pyproject.toml and {lock} disagree (run `make lock`): {stale}"


def test_the_dev_lock_has_the_remote_locks_versions() -> None:
    dev, remote = read_lock(PROJECT_ROOT / "requirements-dev.txt"), read_lock(PROJECT_ROOT / "requirements-remote.txt")
    assert {n: str(r) for n, r in dev.items() if n in remote} == {n: str(remote[n]) for n in dev if n in remote}

"""What code imports, read from its source without running it (``steps.caching.imported_names``): for the
declared dependencies, the image, the Bento and the fixes' tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import packages_distributions
from pathlib import Path
from typing import Any, Dict, Iterable, List, Set

from packaging.utils import canonicalize_name

from steps.caching import imported_names

ROOT = Path(__file__).resolve().parents[1]


def python_files(root: Path, entries: Iterable[str]) -> List[Path]:
    """The ``.py`` files of ``entries`` (packages or single files) under ``root``."""
    files = []
    for entry in entries:
        path = root / entry
        files += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return files


def imports(file: Path) -> Set[str]:
    """The modules ``file`` may load by its import statements, absolute (see ``imported_names``)."""
    return set(imported_names(file.resolve()))


def third_party_imports(files: Iterable[Path], local: Set[str]) -> Dict[str, Set[str]]:
    """Top-level module -> canonical names of the installed distributions providing it; neither local nor stdlib.

    A module no installed distribution provides maps to an empty set.
    """
    modules = {m.split(".")[0] for file in files for m in imports(file)} - local - set(sys.stdlib_module_names)
    distributions = packages_distributions()
    return {m: {canonicalize_name(d) for d in distributions.get(m, [])} for m in sorted(modules)}


def in_fresh_interpreter(script: str, *arguments: str) -> List[Any]:
    """What ``script`` prints, each line that is a JSON object or list, run with ``arguments`` in a new interpreter
    of this venv: what code imports, with nothing the test session imported counting."""
    done = subprocess.run(
        [sys.executable, "-c", script, *arguments],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith(("{", "["))]

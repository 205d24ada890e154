"""Cache keys that cover the project code a step runs, not only the step function.

ZenML hashes a step's own function source; code it calls in other modules
(``train`` -> ``review_classifier.training`` -> ``review_classifier.model``) is
invisible to the cache unless the cache policy names it.
The modules are found by reading the import statements, transitively, without
importing anything, so a new import is covered without anyone updating a list.
"""

from __future__ import annotations

import ast
import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Optional, Tuple

from zenml.config import CachePolicy

#: Top-level packages and modules directly in this folder are project code; everything else is a dependency.
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _source_file(module: str) -> Optional[Path]:
    """The file of a project module; None for anything else (third-party, stdlib, a name that is no module)."""
    path = PROJECT_ROOT.joinpath(*module.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def module_name(source: Path) -> str:
    """``review_classifier/model.py`` -> ``review_classifier.model``; "" for a file outside the project."""
    if not source.resolve().is_relative_to(PROJECT_ROOT):
        return ""
    parts = source.resolve().relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@lru_cache(maxsize=None)
def imported_names(source: Path) -> Tuple[str, ...]:
    """Every module an import statement of ``source`` may load, absolute, including ``from package import
    submodule``: the project's one reading of imports (cache keys here; declared dependencies, the image's
    requirements and the direction of imports in the tests).

    Cached: each step module imports the same shared modules, which are parsed once per process. A relative
    import in a file outside the project has no package to resolve against and is left out.
    """
    module = module_name(source)
    package = module if source.name == "__init__.py" else module.rpartition(".")[0]
    names = []
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level and not package:
                continue
            base = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
            names.append(base)
            names.extend(f"{base}.{alias.name}" for alias in node.names)
    return tuple(names)


@lru_cache(maxsize=None)
def project_sources(module: str) -> FrozenSet[str]:
    """The files of ``module`` and of every project module it imports, directly or through other
    project modules, relative to the project root.

    A package's ``__init__`` counts only where it is imported by name: were it followed for each of its
    modules, a package that re-exports its modules would tie each step's cache to all the others.
    """
    found: Dict[str, Path] = {}
    pending = [module]
    while pending:
        name = pending.pop()
        source = _source_file(name)
        if name in found or source is None:
            continue
        found[name] = source
        pending.extend(imported_names(source))
    return frozenset(path.relative_to(PROJECT_ROOT).as_posix() for path in found.values())


def project_code_policy(module: str, *file_dependencies: str) -> CachePolicy:
    """ZenML's default cache policy plus the source files of ``module`` (the step module's ``__name__``),
    all project code it imports, and any other ``file_dependencies`` (data files the code reads).

    Files, not ``source_dependencies``: a file covers a whole module, whatever it defines, where a source
    names one object.
    """
    return CachePolicy(file_dependencies=sorted(project_sources(module) | set(file_dependencies)))

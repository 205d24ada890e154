"""Imports run one way, from the operator's commands down to the pure package, and the pure package stays pure.

Read from every project file's import statements (``steps.caching.imported_names``, also inside functions),
nothing imported. A module may import its own package and any package of a lower layer; packages of one
layer are independent of each other. A new top-level package or module fails until it is given a layer here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterable, List, Set

from tests.imports import imports

PROJECT_ROOT = Path(__file__).resolve().parents[1]

#: Lowest first. The tests sit on top: they may import anything, ``run.py`` included.
LAYERS = [
    {"supervisor"},  # starts, waits for and stops processes; imports nothing of the project
    {"review_classifier", "zenml_fixes"},  # pure logic (no ZenML, no BentoML); corrected ZenML flavors
    {"serving", "stacks", "registry"},  # BentoML serving and the front door; the stacks; what ZenML records
    {"steps"},
    {"pipelines"},
    {"commands"},  # what run.py and the Makefile call
    {"run", "benchmarks"},  # the entry point; the benchmarks run pipelines through commands/, not run.py
    {"tests"},
]
LAYER = {name: rank for rank, names in enumerate(LAYERS) for name in names}
#: The frameworks the pure package must not know: its code runs in the Bento, the steps and the unit tests alike.
NOT_IN_PURE_PACKAGE = {"zenml", "bentoml"}


def project_files() -> Dict[str, List[Path]]:
    """Top-level package or module -> its ``.py`` files; hidden folders (the venv, .git) left out."""
    found: Dict[str, List[Path]] = {}
    for path in sorted(PROJECT_ROOT.rglob("*.py")):
        parts = path.relative_to(PROJECT_ROOT).parts
        if not any(part.startswith(".") for part in parts):
            found.setdefault(Path(parts[0]).stem, []).append(path)
    return found


def upward(importer: str, imported: Iterable[str]) -> Set[str]:
    """The top-level names among ``imported`` that ``importer`` (a top-level name) may not import."""
    return {name for name in imported if name != importer and LAYER[name] >= LAYER[importer]}


def test_every_top_level_package_has_a_layer() -> None:
    unplaced = sorted(set(project_files()) - set(LAYER))
    assert not unplaced, f"give these a layer in tests/test_layers.py LAYERS: {unplaced}"


def test_no_module_imports_a_higher_layer_or_its_neighbour() -> None:
    files = project_files()
    wrong = []
    for package in sorted(set(files) & set(LAYER)):
        for path in files[package]:
            project = {name.split(".")[0] for name in imports(path)} & set(LAYER)
            wrong += [f"{path.relative_to(PROJECT_ROOT)} imports {name}" for name in sorted(upward(package, project))]
    layers = " <- ".join("/".join(sorted(names)) for names in LAYERS)
    assert not wrong, f"imports must run one way ({layers}):\n" + "\n".join(wrong)


def test_the_pure_package_imports_neither_zenml_nor_bentoml() -> None:
    wrong = [
        f"{path.relative_to(PROJECT_ROOT)} imports {name}"
        for path in project_files()["review_classifier"]
        for name in sorted({m.split(".")[0] for m in imports(path)} & NOT_IN_PURE_PACKAGE)
    ]
    assert not wrong, "\n".join(wrong)


def test_a_lower_layer_importing_a_higher_one_or_a_neighbour_is_caught() -> None:
    assert upward("serving", {"serving", "review_classifier", "zenml_fixes"}) == set()
    assert upward("serving", {"steps", "stacks", "run"}) == {"steps", "stacks", "run"}
    assert upward("benchmarks", {"commands", "run"}) == {"run"}

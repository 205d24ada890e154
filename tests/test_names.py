"""The project's names are spelled once, in review_classifier/names.py, and everything agrees with it."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator, Tuple

import pytest
import yaml

from pipelines import PIPELINES
from pipelines.deployment import deployment_pipeline
from review_classifier import names

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CODE = ["review_classifier", "steps", "pipelines", "serving", "stacks", "zenml_fixes", "commands", "benchmarks"]
SPELLED = {names.MODEL_NAME, names.BENTO_NAME, names.DEPLOY_STEP, *names.PIPELINE_NAMES}
#: Where ZenML and BentoML take these names: keyword arguments, and the first argument of look-ups.
NAME_KEYWORDS = {"name", "model", "model_name", "pipeline_name", "pipeline_step_name", "id"}
LOOKUPS = {"get_pipeline", "get_model", "get_model_version", "list_model_versions", "Model", "get", "create"}


def test_pipelines_are_keyed_by_their_zenml_names() -> None:
    assert sorted(PIPELINES) == sorted(names.PIPELINE_NAMES)
    assert {key: pipeline.name for key, pipeline in PIPELINES.items()} == {key: key for key in PIPELINES}


def test_the_deployment_pipeline_deploys_in_the_step_the_deployer_looks_up() -> None:
    deployment_pipeline.prepare()
    assert names.DEPLOY_STEP in deployment_pipeline.invocations


@pytest.mark.parametrize("config", sorted((PROJECT_ROOT / "configs").glob("*.yaml")), ids=lambda p: p.name)
def test_configs_name_known_pipelines_and_the_model(config: Path) -> None:
    content = yaml.safe_load(config.read_text())
    assert content["extra"]["pipeline"] in names.PIPELINE_NAMES
    assert (content.get("model") or {}).get("name", names.MODEL_NAME) == names.MODEL_NAME


def _name_literals(path: Path) -> Iterator[Tuple[int, str]]:
    """Names written out where ZenML or BentoML look something up by name."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call):
            continue
        function = getattr(node.func, "attr", getattr(node.func, "id", None))
        candidates = [k.value for k in node.keywords if k.arg in NAME_KEYWORDS]
        candidates += node.args[:1] if function in LOOKUPS else []
        for value in candidates:
            if isinstance(value, ast.Constant) and value.value in SPELLED:
                yield value.lineno, value.value


def test_no_code_spells_a_name_again() -> None:
    files = [path for package in CODE for path in sorted((PROJECT_ROOT / package).rglob("*.py"))]
    files += [PROJECT_ROOT / name for name in ("run.py", "registry.py")]
    found = [
        f"{path.relative_to(PROJECT_ROOT)}:{line}: {value!r}"
        for path in files
        if path != PROJECT_ROOT / "review_classifier" / "names.py"
        for line, value in _name_literals(path)
    ]
    assert not found, "import it from review_classifier/names.py:\n" + "\n".join(found)

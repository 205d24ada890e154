"""The step image's requirements cover everything the project's code imports.

Container stacks build their image from pipelines/docker_settings.py: ZenML's parent
image plus our pinned requirements file, with the integrations' own (conflicting) pins
switched off. A missing package would only fail in the cluster.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from zenml.config import DockerSettings

from pipelines import PIPELINES
from pipelines.docker_settings import DOCKER_SETTINGS, ZENML_PARENT_IMAGE
from pipelines.training import BUNDLED_DATA
from serving.lock import pinned_requirements, read_lock
from tests.imports import python_files, third_party_imports

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CODE = [
    "review_classifier",
    "steps",
    "pipelines",
    "stacks",
    "serving",
    "zenml_fixes",
    "run.py",
    "model_versions.py",
    "config_reference.py",
]
LOCAL_PACKAGES = {Path(entry).stem for entry in CODE} | {"tests"}


def pinned(requirements_file: Path) -> dict:
    """Canonical package name -> version specifier, as ``serving.lock`` (the Bento's parser) reads the file."""
    return {name: str(requirement.specifier) for name, requirement in read_lock(requirements_file).items()}


def test_image_settings_use_the_projects_pins_only() -> None:
    assert DOCKER_SETTINGS.install_stack_requirements is False
    assert DOCKER_SETTINGS.allow_including_files_in_images is True  # data/ and the NLTK corpus travel in the image
    pins = pinned(PROJECT_ROOT / DOCKER_SETTINGS.requirements)
    assert pins and all(spec.startswith("==") for spec in pins.values()), "every requirement is pinned"
    assert pins["zenml"] == "==" + ZENML_PARENT_IMAGE.split(":")[1].split("-")[0]


@pytest.mark.parametrize("pipeline", sorted(PIPELINES))
def test_every_pipeline_builds_the_one_shared_image(pipeline: str) -> None:
    settings = PIPELINES[pipeline].configuration.settings["docker"]
    assert DockerSettings.model_validate(settings.model_dump()) == DOCKER_SETTINGS


@pytest.mark.parametrize("config", sorted((PROJECT_ROOT / "configs").glob("*.yaml")), ids=lambda p: p.name)
def test_no_config_repeats_the_image_definition(config: Path) -> None:
    docker = (yaml.safe_load(config.read_text()).get("settings") or {}).get("docker") or {}
    assert not set(docker) - {"parent_image"}, f"{config.name}: the image is defined in pipelines/docker_settings.py"


def test_every_imported_package_is_in_the_image_requirements() -> None:
    pins = pinned(PROJECT_ROOT / "requirements-remote.txt")
    missing = {}
    for module, names in third_party_imports(python_files(PROJECT_ROOT, CODE), LOCAL_PACKAGES).items():
        assert names, f"{module} is imported but not installed"
        if not names & set(pins):
            missing[module] = sorted(names)
    assert not missing, f"imported but not pinned in requirements-remote.txt: {missing}"


def test_remote_lock_contains_the_base_lock_with_the_same_versions() -> None:
    base, remote = pinned(PROJECT_ROOT / "requirements.txt"), pinned(PROJECT_ROOT / "requirements-remote.txt")
    assert {name: remote.get(name) for name in base} == base


def test_bundled_files_the_steps_need_are_in_the_repository() -> None:
    assert (PROJECT_ROOT / "review_classifier" / "nltk_data" / "corpora" / "stopwords" / "english").is_file()
    for config in ("kubeflow.yaml", "vertex.yaml"):
        data_uri = yaml.safe_load((PROJECT_ROOT / "configs" / config).read_text())["parameters"]["data_uri"]
        assert (PROJECT_ROOT / data_uri).is_file()
    assert (PROJECT_ROOT / BUNDLED_DATA).is_file()


def test_lock_parser_reads_lines_as_pip_does(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.txt"
    lock.write_text(
        "--index-url https://pypi.org/simple\n"
        'Tensorflow_CPU==2.21.0 ; sys_platform == "linux"  # via -r requirements.in\n'
        "    # via keras\n"
        "requests>=2.0\n"
    )
    assert pinned_requirements(["tensorflow-cpu"], lock) == ['Tensorflow_CPU==2.21.0; sys_platform == "linux"']
    assert pinned(lock) == {"tensorflow-cpu": "==2.21.0", "requests": ">=2.0"}
    with pytest.raises(ValueError, match=r"no exact pin for \['requests', 'nltk'\]"):
        pinned_requirements(["requests", "nltk"], lock)

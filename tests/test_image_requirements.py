"""Each container stack's step image installs the project's own pins: what its steps import, and no more.

Container stacks build their image from pipelines/docker_settings.py: the parent image plus the stack's
lock file (image/requirements-STACK.txt, the dependencies and that stack's integrations, with the remote
lock's versions), with the integrations' own (conflicting) pins switched off. A missing package would only
fail in the cluster, so the imports of a step container are run here, in this venv, and each module that
loads is found in the distribution that owns its file: that distribution must be in the stack's lock.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Dict, List

import pytest
import yaml
from packaging.utils import canonicalize_name
from zenml.config import DockerSettings

from commands.pipeline import configured_pipeline, read_config
from commands.quiet import quiet_process
from pipelines.docker_settings import (
    IMAGE_OF_ORCHESTRATOR,
    QUIET_ENVIRONMENT,
    STACK_IMPORTS,
    STEP_IMPORTS,
    ZENML_PARENT_IMAGE,
    active_image,
    docker_settings,
    requirements_file,
)
from pipelines.training import BUNDLED_DATA
from serving.lock import pinned_requirements, read_lock
from tests.imports import in_fresh_interpreter

PROJECT_ROOT = Path(__file__).resolve().parents[1]
IMAGES = sorted(set(IMAGE_OF_ORCHESTRATOR.values()))
EXTRAS = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
#: The project's code a step container imports besides the libraries: the pipelines (which import every step's
#: module), and the remote stacks' deploy clients, which their deploy steps import when they run (Vertex's
#: deploy imports the Vertex SDK then).
PROJECT_IMPORTS = {"docker": ["pipelines"], "kubeflow": ["pipelines", "stacks.cloud_serving"]}
PROJECT_IMPORTS["vertex"] = [*PROJECT_IMPORTS["kubeflow"], "google.cloud.aiplatform"]
#: What each image is for: the integrations its stack's step containers import.
INTEGRATIONS = {"docker": {"s3fs"}, "kubeflow": {"kfp", "kubernetes", "s3fs"}, "vertex": {"kfp", "gcsfs"}}
#: What each image must not carry: the other stacks' integrations and the compilers only a client needs.
NOT_IN = {
    "docker": {"kfp", "kubernetes", "google-cloud-aiplatform", "gcsfs", "google-cloud-pipeline-components"},
    "kubeflow": {"gcsfs", "google-cloud-pipeline-components", "google-cloud-build"},
    "vertex": {"s3fs", "boto3"},
}
#: The steps whose containers start without TensorFlow: only training, evaluation and prediction use it.
WITHOUT_TENSORFLOW = ["ingest", "preprocess", "split", "tokenize", "baseline", "quality_gate"]
#: Imported only if installed (anyio, httpx and httpcore try `import sniffio`; only google-genai requires it).
ONLY_WHERE_INSTALLED = {"sniffio"}
#: Run in a fresh interpreter: the distributions that own the files of every module loaded by importing the
#: modules every image imports (argv[1], JSON), then each image's own (argv[2], JSON: image -> modules). The
#: shared imports (TensorFlow, ZenML: most of the time) load once; each image's own load in a fork of that
#: process, so nothing one image imports counts for another. One JSON object (image -> distributions) per line.
LOADED_DISTRIBUTIONS = """
import importlib, json, os, sys, traceback
from importlib.metadata import distributions

def owners():
    files = {os.path.normpath(m.__file__) for m in list(sys.modules.values()) if getattr(m, "__file__", None)}
    found = set()
    for distribution in distributions():
        records = (os.path.normpath(distribution.locate_file(file)) for file in distribution.files or [])
        if any(record in files for record in records):
            found.add(distribution.metadata["Name"])
    return sorted(found)

for name in json.loads(sys.argv[1]):
    importlib.import_module(name)
for image, modules in json.loads(sys.argv[2]).items():
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        try:
            for name in modules:
                importlib.import_module(name)
            print(json.dumps({image: owners()}), flush=True)
        except BaseException:
            traceback.print_exc()
            sys.stderr.flush()
            os._exit(1)
        os._exit(0)
    if os.waitpid(pid, 0)[1]:
        sys.exit(f"importing the modules of the {image} image failed")
"""
#: Run in a fresh interpreter: ZenML's integrations activated as a step entrypoint does, then the step modules
#: of argv imported; whether TensorFlow or Keras got loaded.
STEP_MODULES_LOAD = """
import importlib, json, sys
from zenml.integrations.registry import integration_registry
integration_registry.activate_integrations()
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps({name: name in sys.modules for name in ("tensorflow", "keras")}))
"""


@pytest.fixture(scope="module")
def loaded_by_image() -> Dict[str, List[str]]:
    """Image -> the distributions its step containers load: the step imports, its stack's and the project's."""
    own = {image: STACK_IMPORTS[image] + PROJECT_IMPORTS[image] for image in IMAGES}
    loaded: Dict[str, List[str]] = {}
    for line in in_fresh_interpreter(LOADED_DISTRIBUTIONS, json.dumps(STEP_IMPORTS), json.dumps(own)):
        loaded.update(line)
    return loaded


def pinned(requirements_file: Path) -> dict:
    """Canonical package name -> version specifier, as ``serving.lock`` (the Bento's parser) reads the file."""
    return {name: str(requirement.specifier) for name, requirement in read_lock(requirements_file).items()}


@pytest.mark.parametrize("image", IMAGES)
def test_each_stacks_image_installs_its_own_lock_only(image: str) -> None:
    settings = docker_settings(image)
    assert settings.install_stack_requirements is False
    assert settings.allow_including_files_in_images is True  # data/ and the NLTK corpus travel in the image
    assert (settings.requirements, settings.pyproject_path) == (requirements_file(image), None)
    build_args = settings.parent_image_build_config.build_options.build_args
    assert (PROJECT_ROOT / settings.build_context_root / build_args["REQUIREMENTS"]).samefile(
        PROJECT_ROOT / requirements_file(image)
    )
    assert (build_args["STEP_IMPORTS"].split(), build_args["STACK_IMPORTS"].split()) == (
        STEP_IMPORTS,
        STACK_IMPORTS[image],
    )
    pins = pinned(PROJECT_ROOT / requirements_file(image))
    assert pins and all(spec.startswith("==") for spec in pins.values()), "every requirement is pinned"
    assert pins["zenml"] == "==" + ZENML_PARENT_IMAGE.split(":")[1].split("-")[0]


@pytest.mark.parametrize("image", IMAGES)
def test_each_stacks_lock_is_the_base_lock_plus_its_extra_with_the_remote_locks_versions(image: str) -> None:
    base, remote = pinned(PROJECT_ROOT / "requirements.txt"), pinned(PROJECT_ROOT / "requirements-remote.txt")
    lock = pinned(PROJECT_ROOT / requirements_file(image))
    assert {name: lock.get(name) for name in base} == base
    assert {name: remote.get(name) for name in lock} == lock
    extra = {canonicalize_name(name) for name in EXTRAS[f"stack-{image}"]}
    assert extra <= set(lock) and extra <= {canonicalize_name(line.split("=")[0]) for line in EXTRAS["remote"]}
    assert not NOT_IN[image] & set(lock), f"{requirements_file(image)} carries another stack's integrations"


@pytest.mark.parametrize("image", IMAGES)
def test_each_stacks_lock_holds_every_distribution_its_step_containers_import(image: str, loaded_by_image) -> None:
    imported = {canonicalize_name(name) for name in loaded_by_image[image]}
    assert {"tensorflow-cpu", "zenml", *INTEGRATIONS[image]} <= imported
    # This venv has every lock installed; what it has beyond the remote lock (the dev tools) is only imported
    # where installed, e.g. setuptools' vendored packages as distributions of their own.
    remote = set(pinned(PROJECT_ROOT / "requirements-remote.txt"))
    missing = (imported & remote) - set(pinned(PROJECT_ROOT / requirements_file(image))) - ONLY_WHERE_INSTALLED
    assert not missing, f"imported in a {image} step container but not in {requirements_file(image)}: {missing}"


def test_the_steps_that_never_use_tensorflow_start_without_importing_it() -> None:
    """A step container imports its step's module after ZenML's integrations; TensorFlow and Keras would add
    about 10 s of CPU to each of these steps' start, on every stack that runs steps in containers."""
    (loaded,) = in_fresh_interpreter(STEP_MODULES_LOAD, *[f"steps.{step}" for step in WITHOUT_TENSORFLOW])
    assert loaded == {"tensorflow": False, "keras": False}


def test_every_run_carries_the_image_of_the_active_stack() -> None:
    assert active_image() == "docker"  # the tests' stack runs in-process: the `docker` stack's settings, unused
    for path in sorted((PROJECT_ROOT / "configs").glob("*.yaml")):
        config = read_config(path)
        settings = configured_pipeline(config).configuration.settings["docker"]
        assert DockerSettings.model_validate(settings.model_dump()) == docker_settings("docker"), path.name


def test_step_containers_are_as_quiet_as_local_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in QUIET_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    quiet_process()
    assert {name: os.environ.get(name) for name in QUIET_ENVIRONMENT} == QUIET_ENVIRONMENT
    for image in IMAGES:
        assert QUIET_ENVIRONMENT.items() <= docker_settings(image).runtime_environment.items()


@pytest.mark.parametrize("config", sorted((PROJECT_ROOT / "configs").glob("*.yaml")), ids=lambda p: p.name)
def test_no_config_repeats_the_image_definition(config: Path) -> None:
    docker = (yaml.safe_load(config.read_text()).get("settings") or {}).get("docker") or {}
    assert not docker, f"{config.name}: the image is defined in pipelines/docker_settings.py"


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
        'Tensorflow_CPU==2.21.0 ; sys_platform == "linux"  # via review-classifier (pyproject.toml)\n'
        "    # via keras\n"
        "requests>=2.0\n"
    )
    assert pinned_requirements(["tensorflow-cpu"], lock) == ['Tensorflow_CPU==2.21.0; sys_platform == "linux"']
    assert pinned(lock) == {"tensorflow-cpu": "==2.21.0", "requests": ">=2.0"}
    with pytest.raises(ValueError, match=r"no exact pin for \['requests', 'nltk'\]"):
        pinned_requirements(["requests", "nltk"], lock)

"""The step image of every container stack (Docker, Kubeflow, Vertex AI): one definition.

Local orchestrators ignore it; a stack that runs steps in containers builds the
image from it. The parent image is ZenML's official one unless
``REVIEW_CLASSIFIER_PARENT_IMAGE`` names another (``make containers`` makes one from
Debian packages where Docker Hub is unreachable); configs may override single fields,
e.g. ``settings.docker.parent_image``.
"""

from __future__ import annotations

import os

import zenml
from zenml.config import DockerSettings
from zenml.constants import ENV_ZENML_CUSTOM_SOURCE_ROOT
from zenml.utils.pipeline_docker_image_builder import DOCKER_IMAGE_WORKDIR

#: ZenML's official image of the installed ZenML version, so a pin bump moves it too.
ZENML_PARENT_IMAGE = f"zenmldocker/zenml:{zenml.__version__}-py3.11"
PARENT_IMAGE_VARIABLE = "REVIEW_CLASSIFIER_PARENT_IMAGE"

DOCKER_SETTINGS = DockerSettings(
    parent_image=os.environ.get(PARENT_IMAGE_VARIABLE) or ZENML_PARENT_IMAGE,
    # The project's own pins: the integrations' pins (kfp unpinned, gcsfs<=2024.12.0)
    # conflict with them, so ZenML must not add its stack requirements.
    requirements="requirements-remote.txt",
    install_stack_requirements=False,
    python_package_installer="uv",
    # Bytecode compiled once at build: every step starts a fresh container, and compiling TensorFlow,
    # Keras and ZenML on import cost each one about 20 s (28 s to import them instead of 8).
    python_package_installer_args={"compile-bytecode": None},
    # A local daemon's build reaches the package index over the host's network: the one
    # `make containers` starts has no bridge. Builders in a cluster (Kaniko, Cloud Build) ignore it.
    build_config={"build_options": {"network_mode": "host"}},
    # The code, the bundled data and the NLTK corpus travel in the image itself.
    allow_including_files_in_images=True,
    allow_download_from_code_repository=False,
    allow_download_from_artifact_store=False,
    # ZenML's Dockerfile makes the copied project world-writable (`chmod -R a+rw .`); NLTK refuses
    # a data directory others can write to, so the bundled corpus is made private again. This is
    # the one command ZenML runs after that chmod.
    local_project_install_command="chmod -R go-w review_classifier/nltk_data",
    # The project root is the source root in the container too, whether or not the build context
    # had a `.zen` repository (a fresh clone has none until `zenml init`); without it ZenML takes its
    # entrypoint's folder and cannot find the files the step caches depend on. Set after the
    # requirements, so it does not invalidate their layers.
    runtime_environment={ENV_ZENML_CUSTOM_SOURCE_ROOT: DOCKER_IMAGE_WORKDIR},
)

"""The step image of the container stacks (Docker, Kubeflow, Vertex AI): one definition, a function of the stack.

Local orchestrators ignore it; a stack that runs steps in containers builds the image from it. Each
stack's image installs only what its step containers import: the dependencies plus that stack's
integrations (``image/requirements-STACK.txt``, resolved by ``make lock`` from the `stack-STACK` extra
with the remote lock's versions), never the KFP compiler or the cloud SDKs of the other stacks.
``image/Dockerfile`` installs them on the parent image and writes bytecode for what the steps import;
ZenML adds the project on top. The parent image is ZenML's official one unless
``REVIEW_CLASSIFIER_PARENT_IMAGE`` names another (``make containers`` makes one from Debian packages
where Docker Hub is unreachable).
"""

from __future__ import annotations

import os
from typing import Dict, List

import zenml
from zenml.config import DockerSettings
from zenml.constants import ENV_ZENML_CUSTOM_SOURCE_ROOT
from zenml.enums import StackComponentType
from zenml.utils.pipeline_docker_image_builder import DOCKER_IMAGE_WORKDIR

#: ZenML's official image of the installed ZenML version, so a pin bump moves it too.
ZENML_PARENT_IMAGE = f"zenmldocker/zenml:{zenml.__version__}-py3.11"
PARENT_IMAGE_VARIABLE = "REVIEW_CLASSIFIER_PARENT_IMAGE"
#: The image's folder: its Dockerfile and each stack's lock file.
IMAGE_FOLDER = "image"

#: The orchestrator flavor of a stack -> its image (``image/requirements-IMAGE.txt``). A stack whose steps run
#: in-process (``local``) carries the `docker` stack's settings, unused.
IMAGE_OF_ORCHESTRATOR = {
    "local_docker": "docker",
    "kubeflow": "kubeflow",
    "kubeflow_resources": "kubeflow",  # zenml_fixes/kubeflow_orchestrator.py
    "vertex": "vertex",
}
#: What step containers import before their step runs, the heavy part of their start: ZenML's step
#: entrypoint and the libraries of the steps (TensorFlow only for the steps that train or predict). Bytecode
#: is written for these modules only, by importing them once at build; compiling every package for every
#: stack was 421 MB.
STEP_IMPORTS = [
    "zenml.entrypoints.step_entrypoint_configuration",
    "tensorflow",
    "keras",
    "pandas",
    "pyarrow.parquet",
    "sklearn.linear_model",
    "sklearn.metrics",
    "scipy.stats",
    "matplotlib.pyplot",
    "nltk",
    "bentoml",
]
#: What a step container of each stack imports besides: its stack components' implementations.
STACK_IMPORTS: Dict[str, List[str]] = {
    "docker": [
        "zenml.orchestrators.local_docker.local_docker_orchestrator",
        "zenml.integrations.s3.artifact_stores.s3_artifact_store",
    ],
    "kubeflow": [
        "zenml.integrations.kubeflow.orchestrators.kubeflow_orchestrator",
        "zenml.integrations.kaniko.image_builders.kaniko_image_builder",
        "zenml.integrations.s3.artifact_stores.s3_artifact_store",
    ],
    "vertex": [
        "zenml.integrations.gcp.orchestrators.vertex_orchestrator",
        "zenml.integrations.gcp.image_builders.gcp_image_builder",
        "zenml.integrations.gcp.artifact_stores.gcp_artifact_store",
    ],
}
#: The quiet settings of local runs (commands/quiet.py, review_classifier/quiet_tensorflow.py) for the steps'
#: containers: no analytics, no colour codes in the logs, no TensorFlow start-up lines.
QUIET_ENVIRONMENT = {
    "ZENML_ANALYTICS_OPT_IN": "false",
    "ZENML_LOGGING_COLORS_DISABLED": "true",
    "TF_CPP_MIN_LOG_LEVEL": "2",
}


def requirements_file(image: str) -> str:
    """The lock file of ``image``: the dependencies and that stack's integrations, pinned."""
    return f"{IMAGE_FOLDER}/requirements-{image}.txt"


def docker_settings(image: str) -> DockerSettings:
    """The step image of the stack ``image`` names (``docker``, ``kubeflow`` or ``vertex``)."""
    host_network = {"network_mode": "host"}
    return DockerSettings(
        # The lower half: the dependencies' pins on the parent image (the same layers for every stack), the
        # stack's on top, and bytecode and matplotlib's font cache for what the steps import; built once and
        # reused until a lock changes.
        dockerfile=f"{IMAGE_FOLDER}/Dockerfile",
        build_context_root=".",  # the project, less .dockerignore; the Dockerfile copies the two lock files only
        parent_image_build_config={
            "build_options": {
                **host_network,
                "build_args": {
                    "PARENT_IMAGE": os.environ.get(PARENT_IMAGE_VARIABLE) or ZENML_PARENT_IMAGE,
                    "STEP_IMPORTS": " ".join(STEP_IMPORTS),
                    "REQUIREMENTS": requirements_file(image),
                    "STACK_IMPORTS": " ".join(STACK_IMPORTS[image]),
                },
            }
        },
        # The same pins again on top, which uv finds satisfied: ZenML's own layer then installs nothing, and
        # does not go looking for requirements.txt in the project. The project's pins, not the
        # integrations' (kfp unpinned, gcsfs<=2024.12.0 conflict with them), so no stack requirements.
        requirements=requirements_file(image),
        install_stack_requirements=False,
        python_package_installer="uv",
        # A local daemon's build reaches the package index over the host's network: the one
        # `make containers` starts has no bridge. Builders in a cluster (Kaniko, Cloud Build) ignore it.
        build_config={"build_options": host_network},
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
        runtime_environment={ENV_ZENML_CUSTOM_SOURCE_ROOT: DOCKER_IMAGE_WORKDIR, **QUIET_ENVIRONMENT},
    )


def active_image() -> str:
    """The image the active stack's steps run in, by its orchestrator's flavor."""
    from zenml.client import Client

    (orchestrator,) = Client().active_stack_model.components[StackComponentType.ORCHESTRATOR]
    return IMAGE_OF_ORCHESTRATOR.get(orchestrator.flavor_name, "docker")

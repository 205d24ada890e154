"""The step image of every container stack (Kubeflow, Vertex AI): one definition.

Local orchestrators ignore it; a stack that runs steps in containers builds the
image from it. Configs may override single fields, e.g. ``settings.docker.parent_image``
where ZenML's official image cannot be pulled.
"""

from __future__ import annotations

import zenml
from zenml.config import DockerSettings

#: ZenML's official image of the installed ZenML version, so a pin bump moves it too.
ZENML_PARENT_IMAGE = f"zenmldocker/zenml:{zenml.__version__}-py3.11"

DOCKER_SETTINGS = DockerSettings(
    parent_image=ZENML_PARENT_IMAGE,
    # The project's own pins: the integrations' pins (kfp unpinned, gcsfs<=2024.12.0)
    # conflict with them, so ZenML must not add its stack requirements.
    requirements="requirements-remote.txt",
    install_stack_requirements=False,
    python_package_installer="uv",
    # The code, the bundled data and the NLTK corpus travel in the image itself.
    allow_including_files_in_images=True,
    allow_download_from_code_repository=False,
    allow_download_from_artifact_store=False,
)

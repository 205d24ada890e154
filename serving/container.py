"""The Bento as a container image pushed to the stack's registry: BentoML's own containerization with the local
Docker daemon, or BentoML's build context built by the stack's image builder (Kaniko, Cloud Build)."""

from __future__ import annotations

import logging
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import bentoml
from bentoml._internal.container import construct_containerfile
from zenml.config.docker_settings import DockerBuildOptions
from zenml.container_engines import get_container_engine
from zenml.container_registries import BaseContainerRegistry
from zenml.image_builders import BaseImageBuilder

logger = logging.getLogger(__name__)
#: A local daemon's build reaches the package index over the host's network (the one `make containers` starts
#: has no bridge), as the step image's build does (pipelines/docker_settings.py); Kaniko and Cloud Build ignore it.
BUILD_OPTIONS = DockerBuildOptions(network_mode="host")


@contextmanager
def classic_builder() -> Iterator[None]:
    """Docker's classic builder for BentoML's Dockerfile.

    With BuildKit, BentoML's Dockerfile starts with ``# syntax = docker/dockerfile:1.2.1``, an
    image BuildKit pulls from Docker Hub before building, which fails where Docker Hub cannot be
    reached; and Docker CLIs from 23 on need the buildx plugin for BuildKit. BentoML reads
    ``DOCKER_BUILDKIT`` to choose: with 0 its Dockerfile has no frontend line and no cache mounts.
    """
    before = os.environ.get("DOCKER_BUILDKIT")
    os.environ["DOCKER_BUILDKIT"] = "0"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("DOCKER_BUILDKIT")
        else:
            os.environ["DOCKER_BUILDKIT"] = before


def containerize(bento_tag: str, registry: BaseContainerRegistry) -> str:
    """Build the image of ``bento_tag`` with ``bentoml.container.build`` and push it; its pushed reference.

    The build runs on the host network (RUN steps reach PyPI without Docker's bridge). BentoML
    logs a failed build and returns None rather than raising, so the image is looked up after.
    """
    bento = bentoml.bentos.get(bento_tag)
    image = f"{registry.config.uri}/{bento.tag.name}:{bento.tag.version}"
    engine = get_container_engine()
    started = time.monotonic()
    with classic_builder():
        bentoml.container.build(str(bento.tag), backend="docker", image_tag=(image,), network="host")
    seconds = time.monotonic() - started
    if not engine.client.images.list(name=image):
        raise RuntimeError(f"BentoML could not containerize {bento_tag} (its build log is above): no image {image}")
    size = engine.client.images.get(image).attrs["Size"]
    logger.info("Built image %s in %.0f s (%.0f MB)", image, seconds, size / 1e6)
    return engine.push_image(image, registry)


def build_with(bento_tag: str, image_builder: BaseImageBuilder, registry: BaseContainerRegistry) -> str:
    """The image of ``bento_tag`` built by ``image_builder`` and pushed to ``registry``; its pushed reference.

    The stack's builder, not Docker, because a remote stack's steps run where there is no Docker
    daemon: Kaniko builds in the cluster, Cloud Build in the project. The build context is the one
    ``bentoml.container.build`` hands Docker (the Bento, its models, the generated Dockerfile, here
    without BuildKit syntax, which Kaniko and Cloud Build's docker do not all read), its Dockerfile
    at the root where the builders look for it.
    """
    bento = bentoml.bentos.get(bento_tag)
    image = f"{registry.config.uri}/{bento.tag.name}:{bento.tag.version}"
    with construct_containerfile(bento, enable_buildkit=False) as (root, dockerfile):
        context = image_builder.build_context_class(root=root)
        context.add_file(source=Path(dockerfile).read_text(), destination="Dockerfile")
        return image_builder.build(image, context, docker_build_options=BUILD_OPTIONS, container_registry=registry)

"""The remote serving tests' model and its Bento image (tests/test_remote_serving.py), made once per session.

The image is built by a ZenML image builder and pushed to the container world's registry on a thread of its own.
test_docker_stack starts it once its flow's first run is over: the container group runs on one worker, one test
after another, and is the longest part of `make test`, while the flow's fault runs mostly wait on their retries.
Only the build and the push run on the thread (Docker's API and the registry's); the model and the Bento are
made before, on the test's own thread, since BentoML changes the working directory while it imports a service.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import Callable, Iterator, Optional

import pandas as pd

from review_classifier.dataset import DatasetSchema, load_labelled
from review_classifier.model_settings import ModelSettings
from serving.bento import build_bento, save_model
from serving.container import build_with
from stacks.register import main as register_stacks
from tests.unit.small_models import train_small

TINY = ModelSettings(embedding_dim=8, recurrent_units=4, dense_units=8, bigram_buckets=1024, epochs=1, wide_c=[1.0])
THRESHOLD = 0.7
#: The labels a deployment gives its Bento.
LABELS = {"zenml_model": "review_classifier", "zenml_model_version": "7"}
BUILDER = "remote-serving-tests"
#: How long the tests wait for the image, counted from when they first need it.
IMAGE_TIMEOUT_S = 1200


def small_model(bundled_data: str) -> str:
    """A small trained model stored as the deployment stores it (a BentoML model, in the session's BENTOML_HOME)."""
    reviews, _ = load_labelled(pd.read_csv(bundled_data, nrows=600), DatasetSchema(), bundled_data)
    vocabulary, _, best, _ = train_small(reviews, [TINY], max_vocabulary=1000)
    stored = dict(zenml_model="review_classifier", zenml_version="7", metrics={}, decision_threshold=THRESHOLD)
    return save_model(best.model, vocabulary, **stored)


class ImageBuild:
    """The image's build and push on a thread: begun by :meth:`start`, or by the first :meth:`built`."""

    def __init__(self, build: Callable[[], str], pool: ThreadPoolExecutor) -> None:
        self._build, self._pool = build, pool
        self._image: Optional[Future] = None

    def start(self) -> None:
        if self._image is None:
            self._image = self._pool.submit(self._build)

    def built(self) -> str:
        """The pushed image's reference, once built; the build's own error if it failed."""
        self.start()
        try:
            return self._image.result(timeout=IMAGE_TIMEOUT_S)
        except TimeoutError:
            raise RuntimeError(f"the serving image was not built and pushed in {IMAGE_TIMEOUT_S} s") from None


@contextmanager
def image_building(model_tag: str) -> Iterator[ImageBuild]:
    """The Bento of ``model_tag`` (one worker: each start of one imports TensorFlow and compiles the model) on the
    local parent image, its image to build and push to the `docker-serving` stack's registry; the block ends once
    the build has, whatever it raised."""
    from zenml.client import Client
    from zenml.enums import StackComponentType
    from zenml.stack import Stack, StackComponent

    client = Client()
    assert register_stacks(["docker-serving"]) == 0
    registry = Stack.from_model(client.get_stack("docker-serving")).container_registry
    client.create_stack_component(
        name=BUILDER, flavor="local", component_type=StackComponentType.IMAGE_BUILDER, configuration={}
    )
    builder = client.get_stack_component(StackComponentType.IMAGE_BUILDER, BUILDER, hydrate=True)
    bento = build_bento(model_tag, LABELS, base_image=os.environ["REVIEW_CLASSIFIER_PARENT_IMAGE"], workers=1)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="serving-image") as pool:
        yield ImageBuild(partial(build_with, bento, StackComponent.from_model(builder), registry), pool)

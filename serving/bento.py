"""From a trained model to a Bento: a BentoML model (no pickle) and a self-contained Bento."""

from __future__ import annotations

import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

import bentoml
import keras

from review_classifier.names import BENTO_NAME, DECISION_THRESHOLD, TEST_METRICS
from review_classifier.vocabulary import Vocabulary
from serving.lock import pinned_requirements

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SERVICE = "serving.service:ReviewClassifierService"
#: What the serving image installs; versions come from the project's lock file.
SERVING_PACKAGES = [
    "bentoml",
    "fastapi",
    "keras",
    "nltk",
    "numpy",
    "pandas",
    "pydantic",
    "tensorflow-cpu",
]
#: The modules of the project's package that the service imports (tests/test_serving.py checks the list against
#: the imports): the Bento carries these, not the training code, so its image installs no training library.
PREDICTION_MODULES = [
    "__init__",
    "dataset",
    "decision",
    "decomposition",
    "explain",
    "inference",
    "model",
    "model_settings",
    "names",
    "quiet_tensorflow",
    "text",
    "vocabulary",
    "wide",
]


@contextmanager
def imported_from_the_bento() -> Iterator[None]:
    """While BentoML imports the service, to build a Bento or to read a built one's settings, ``serving`` is the
    Bento's own copy, with its pinned model tag and worker count: this project's ``serving``, already imported,
    would otherwise answer, with the latest model and the default worker count."""

    def unload() -> Dict[str, Any]:
        return {name: sys.modules.pop(name) for name in list(sys.modules) if name.partition(".")[0] == "serving"}

    ours = unload()
    try:
        yield
    finally:
        unload()
        sys.modules.update(ours)


def serving_workers(bento_tag: str) -> int:
    """How many worker processes serving the Bento starts: BentoML's own count from the service's
    ``workers`` (``"cpu_count"`` is the CPUs the container is given), for ZenML's record of the deployment."""
    from _bentoml_impl.server.allocator import ResourceAllocator

    with imported_from_the_bento():
        service = bentoml.load(bento_tag)
    service.inject_config()
    return ResourceAllocator().get_worker_env(service)[0]


def save_model(
    model: keras.Model,
    vocabulary: Vocabulary,
    *,
    zenml_model: str,
    zenml_version: str,
    metrics: Dict[str, Any],
    decision_threshold: float,
) -> str:
    """Store the ``.keras`` file, the vocabulary JSON and the decision threshold as a BentoML model; its tag."""
    with bentoml.models.create(
        BENTO_NAME,
        labels={"zenml_model": zenml_model, "zenml_model_version": zenml_version},
        metadata={TEST_METRICS: metrics, DECISION_THRESHOLD: decision_threshold},
    ) as stored:
        model.save(stored.path_of("model.keras"))
        Path(stored.path_of("vocabulary.json")).write_text(vocabulary.model_dump_json())
    return str(stored.tag)


def build_bento(
    model_tag: str, labels: Dict[str, str], base_image: Optional[str] = None, workers: Optional[int] = None
) -> str:
    """Build a Bento serving exactly ``model_tag``; returns the Bento's tag.

    The build context is a staged copy of the code the service needs (the
    service, the prediction modules of the project's package and its NLTK corpus) plus the pinned model
    tag and worker count, so the Bento serves that model the same way wherever it runs. ``base_image`` is the
    parent of its container image: any image with Python 3.11 and pip (BentoML
    then installs no Python); None is BentoML's own Debian Python 3.11 image. ``workers`` None: one worker
    per CPU the service is given (``SERVICE_SETTINGS``).
    """
    if workers is not None and workers < 1:
        raise ValueError(f"a service needs at least one worker process, not workers={workers}")
    docker = {"base_image": base_image} if base_image else {"python_version": "3.11", "distro": "debian"}
    with tempfile.TemporaryDirectory(prefix="bento-build-") as staging, imported_from_the_bento():
        context = Path(staging)
        for package in ("serving", "review_classifier"):
            shutil.copytree(PROJECT_ROOT / package, context / package, ignore=shutil.ignore_patterns("__pycache__"))
        (context / "serving" / "model_tag.txt").write_text(model_tag)
        if workers is not None:
            (context / "serving" / "workers.txt").write_text(str(workers))
        bento = bentoml.bentos.build(
            service=SERVICE,
            name=BENTO_NAME,
            labels=labels,
            description="Customer review classifier (Keras) served with BentoML",
            # Only what the service runs: the rest of serving/ imports packages the image lacks.
            # serving/__init__.py keeps `serving` a regular package, so no other `serving` on sys.path shadows it.
            include=[
                "serving/__init__.py",
                "serving/service.py",
                "serving/api.py",
                "serving/vertex.py",
                "serving/model_tag.txt",
                "serving/workers.txt",
                *[f"review_classifier/{module}.py" for module in PREDICTION_MODULES],
                "review_classifier/nltk_data/**",
            ],
            python={"packages": pinned_requirements(SERVING_PACKAGES), "lock_packages": False},
            docker=docker,
            build_ctx=str(context),
        )
    return str(bento.tag)

"""The Bento service speaks Vertex AI's custom-container contract when Vertex's variables say so.

The very service the Bento serves, run by ``bentoml serve`` as the image's entrypoint runs it (no
``--port``), with the variables exactly as Vertex AI sets them for a model deployed to an endpoint,
and called as Vertex calls it. Which settings the service class takes is checked in process.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Dict, Iterator

import httpx
import pandas as pd
import pytest

from review_classifier.dataset import LABEL, TEXT, DatasetSchema, load_labelled
from review_classifier.model_settings import ModelSettings
from review_classifier.splits import stratified_split
from review_classifier.text import TextNormalizer
from review_classifier.training import sweep
from review_classifier.vocabulary import Vocabulary, VocabularySettings
from serving import vertex
from serving.bento import save_model
from serving.process import BENTOML, free_port
from stacks.services import http_status, start, stop, wait_ready
from tests.bad_input import BAD_INPUTS
from tests.conftest import BUNDLED_DATA

TINY = ModelSettings(embedding_dim=8, recurrent_units=4, dense_units=8, bigram_buckets=1024, epochs=1, wide_c=[1.0])
THRESHOLD = 0.7
ENDPOINT, DEPLOYED_MODEL = "1234567890", "9876543210"
#: What Vertex AI sets in a container of a model deployed to an endpoint, routes left at their defaults.
VERTEX_ENVIRONMENT = {
    "AIP_MODE": "PREDICTION",
    "AIP_MODE_VERSION": "1.0.0",
    "AIP_HTTP_PORT": "8080",
    "AIP_HEALTH_ROUTE": f"/v1/endpoints/{ENDPOINT}/deployedModels/{DEPLOYED_MODEL}",
    "AIP_PREDICT_ROUTE": f"/v1/endpoints/{ENDPOINT}/deployedModels/{DEPLOYED_MODEL}:predict",
    "AIP_ENDPOINT_ID": ENDPOINT,
    "AIP_DEPLOYED_MODEL_ID": DEPLOYED_MODEL,
    "AIP_PROJECT_NUMBER": "123456789012",
    "AIP_MACHINE_TYPE": "n1-standard-2",
    "AIP_STORAGE_URI": "",
}
JSON = {"content-type": "application/json"}
PROJECT_ROOT = Path(__file__).resolve().parents[1]
TEXTS = ["Love this dress, fits perfectly", "Cheap fabric, returned it", "It is ok I guess"]


@pytest.fixture(scope="module")
def model_tag() -> str:
    """A small trained model stored as the deployment stores it (a BentoML model, in the session's BENTOML_HOME)."""
    reviews, _ = load_labelled(pd.read_csv(BUNDLED_DATA, nrows=600), DatasetSchema(), str(BUNDLED_DATA))
    normalizer = TextNormalizer()
    splits = stratified_split(reviews[LABEL].to_numpy())
    corpus = normalizer.normalize_many(reviews[TEXT].tolist())
    vocabulary = Vocabulary.build([corpus[i] for i in splits.train], VocabularySettings(max_size=1000))
    x, y = vocabulary.encode(corpus), reviews[LABEL].to_numpy().astype("float32")
    best, _ = sweep(
        [TINY],
        x[splits.train],
        y[splits.train],
        x[splits.validation],
        y[splits.validation],
        vocab_size=vocabulary.size,
        seed=0,
        verbose=0,
    )
    stored = dict(zenml_model="review_classifier", zenml_version="7", metrics={}, decision_threshold=THRESHOLD)
    return save_model(best.model, vocabulary, **stored)


def service_class(model_tag: str, environment: Dict[str, str], monkeypatch: pytest.MonkeyPatch):
    """The service class as a process with ``environment`` defines it (imported afresh, never instantiated)."""
    monkeypatch.setenv("REVIEW_CLASSIFIER_MODEL", model_tag)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    sys.modules.pop("serving.service", None)
    try:
        return importlib.import_module("serving.service").ReviewClassifierService
    finally:
        sys.modules.pop("serving.service", None)


@pytest.fixture(scope="module")
def on_vertex(model_tag: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """``bentoml serve`` of the service with Vertex's variables (a free AIP_HTTP_PORT, no --port), once its
    health route answers: a client of it. Stopped at the end, also on failure."""
    environment = {**VERTEX_ENVIRONMENT, "AIP_HTTP_PORT": str(free_port())}
    url = f"http://127.0.0.1:{environment['AIP_HTTP_PORT']}"
    log = tmp_path_factory.mktemp("vertex") / "service.log"
    env = {**os.environ, **environment, "REVIEW_CLASSIFIER_MODEL": model_tag}
    started = start([BENTOML, "serve", "serving.service:ReviewClassifierService"], log, env=env, cwd=PROJECT_ROOT)
    try:
        health = url + environment["AIP_HEALTH_ROUTE"]
        wait_ready("the service in Vertex's prediction mode", lambda: http_status(health) == 200, started, 300)
        with httpx.Client(base_url=url, timeout=30) as client:
            yield client
    finally:
        stop(started)


def test_it_listens_on_aip_http_port_and_routes_vertex_s_paths(model_tag: str, monkeypatch) -> None:
    service = service_class(model_tag, VERTEX_ENVIRONMENT, monkeypatch)
    assert service.config["http"]["port"] == 8080
    assert service.middlewares == [
        (
            vertex.VertexRoutes,
            {
                "health_route": VERTEX_ENVIRONMENT["AIP_HEALTH_ROUTE"],
                "predict_route": VERTEX_ENVIRONMENT["AIP_PREDICT_ROUTE"],
            },
        )
    ]


def test_outside_vertex_the_adapter_is_off(model_tag: str, monkeypatch) -> None:
    """Without AIP_MODE=PREDICTION (Kubernetes, the local stacks) the AIP variables change nothing."""
    service = service_class(model_tag, {k: v for k, v in VERTEX_ENVIRONMENT.items() if k != "AIP_MODE"}, monkeypatch)
    assert "http" not in service.config and service.middlewares == []


def test_the_health_route_is_readiness(on_vertex) -> None:
    client = on_vertex
    health = client.get(VERTEX_ENVIRONMENT["AIP_HEALTH_ROUTE"])
    assert health.status_code == 200 and health.text == client.get("/readyz").text
    # Vertex sends only GETs there; a POST on it is not a prediction.
    assert client.post(VERTEX_ENVIRONMENT["AIP_HEALTH_ROUTE"], json={"instances": TEXTS}).status_code == 404


def test_instances_in_predictions_out_identical_to_predict(on_vertex) -> None:
    client = on_vertex
    answer = client.post(VERTEX_ENVIRONMENT["AIP_PREDICT_ROUTE"], json={"instances": TEXTS})
    assert answer.status_code == 200, answer.text
    predicted = client.post("/predict", json={"texts": TEXTS}).json()
    assert list(answer.json()) == ["predictions"]
    predictions = answer.json()["predictions"]
    assert [{k: p[k] for k in ("label", "model_version")} for p in predictions] == [
        {k: p[k] for k in ("label", "model_version")} for p in predicted
    ]
    assert [p["probability"] for p in predictions] == pytest.approx([p["probability"] for p in predicted], abs=1e-6)
    assert {p["model_version"] for p in predictions} == {"7"}
    assert {p["label"] for p in predictions} == {"positive", "negative"}


def test_vertex_routes_lead_to_the_same_service_path(on_vertex) -> None:
    """The service's own route with Vertex's shape answers as the predict route does."""
    client = on_vertex
    body = {"instances": TEXTS[:1]}
    assert (
        client.post(vertex.PREDICT_ROUTE, json=body).json()
        == client.post(VERTEX_ENVIRONMENT["AIP_PREDICT_ROUTE"], json=body).json()
    )


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_instances_get_the_same_named_400(on_vertex, case: str) -> None:
    client = on_vertex
    body, message = BAD_INPUTS[case]
    route = VERTEX_ENVIRONMENT["AIP_PREDICT_ROUTE"]
    answer = client.post(route, content=body.replace(b'"texts"', b'"instances"'), headers=JSON)
    assert answer.status_code == 400, answer.text
    assert message in answer.text
    if case == "missing-field":
        assert "instances" in answer.text
    assert client.get(VERTEX_ENVIRONMENT["AIP_HEALTH_ROUTE"]).status_code == 200
    assert client.post(route, json={"instances": ["still fine"]}).status_code == 200


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("AIP_PREDICT_ROUTE", None, "AIP_PREDICT_ROUTE is '', not a route"),
        ("AIP_HEALTH_ROUTE", "health", "AIP_HEALTH_ROUTE is 'health', not a route"),
        ("AIP_HTTP_PORT", "eighty", "AIP_HTTP_PORT is 'eighty', not a port number"),
    ],
)
def test_a_malformed_vertex_variable_is_named(variable: str, value, message: str) -> None:
    environment = {k: v for k, v in VERTEX_ENVIRONMENT.items() if k != variable}
    if value is not None:
        environment[variable] = value
    with pytest.raises(RuntimeError, match=message):
        (vertex.service_settings(environment), vertex.middleware_options(environment))


def test_the_port_defaults_to_vertex_s_8080() -> None:
    environment = {k: v for k, v in VERTEX_ENVIRONMENT.items() if k != "AIP_HTTP_PORT"}
    assert vertex.service_settings(environment) == {"http": {"port": 8080}}

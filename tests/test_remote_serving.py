"""One Bento image, two remote contracts: Vertex AI's custom container and the Kubernetes Deployment.

Vertex: the very service the Bento serves, run with the variables exactly as Vertex AI sets them for
a model deployed to an endpoint, and called as Vertex calls it (health route, then the predict route
with ``instances``): by ``bentoml serve`` as the image's entrypoint runs it (no ``--port``), and as
the pushed image itself under Docker (its own entrypoint, host network). Kubernetes: the image run
with the rendered Deployment's arguments, environment and limits, its probes checked as the kubelet
checks them. The image is built as the remote stacks build it, by a ZenML image builder (here the
local daemon's; Kaniko or Cloud Build on the stacks). Which settings the service class takes is
checked in process.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import bentoml
import httpx
import pytest

from review_classifier.names import BENTO_NAME
from review_classifier.serving_targets import KubernetesServing
from serving import kubernetes, vertex
from serving.bento import build_bento, serving_workers
from serving.process import BENTOML
from stacks.containers import daemon
from supervisor.processes import free_port, http_status, port_holder, start, stop, wait_ready
from tests.bad_input import BAD_INPUTS
from tests.serving_image import LABELS

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
def image(serving_image) -> str:
    """The small model's Bento as an image built by a ZenML image builder and pushed to the registry
    (tests/serving_image.py), with one worker (the count pinned is test_a_bento_pins_its_model_and_worker_count's)."""
    return serving_image.built()


class Container:
    """A running container as the supervisor's readiness wait reads a process (``supervisor.processes.Watched``)."""

    def __init__(self, container: Any) -> None:
        self.container = container

    def failure(self) -> Optional[str]:
        self.container.reload()
        if self.container.status != "exited":
            return None
        return f"its container exited with exit code {self.container.attrs['State']['ExitCode']}"

    def log_text(self) -> str:
        return self.container.logs().decode(errors="replace")

    def log_location(self) -> str:
        return f"`docker logs {self.container.short_id}`"

    def alive(self) -> None:
        """Raise with the container's log once it has exited."""
        cause = self.failure()
        if cause is not None:
            raise RuntimeError(f"{cause}; its log:\n{self.log_text()[-3000:]}")


@contextmanager
def running(world, image: str, environment: Dict[str, str], **options: Any) -> Iterator[Container]:
    """``image`` run on the host network with ``environment`` (its own entrypoint); removed at the end,
    also on failure."""
    container = daemon.client(world.docker_host).containers.run(
        image, environment=environment, network_mode="host", detach=True, **options
    )
    try:
        yield Container(container)
    finally:
        container.remove(force=True)


@pytest.fixture(scope="module", params=["process", "image"])
def on_vertex(request, serving_model_tag: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """The service with Vertex's variables (a free AIP_HTTP_PORT, no --port), as ``bentoml serve`` of its Bento (one
    worker, as ``image``) or as the pushed image under Docker, once its health route answers: a client of it.
    Stopped at the end, also on failure."""
    # The image gets Vertex's own default port where it is free (the host is the container's network here).
    vertex_port = request.param == "image" and port_holder(int(VERTEX_ENVIRONMENT["AIP_HTTP_PORT"])) is None
    environment = {
        **VERTEX_ENVIRONMENT,
        "AIP_HTTP_PORT": VERTEX_ENVIRONMENT["AIP_HTTP_PORT"] if vertex_port else str(free_port()),
    }
    url = f"http://127.0.0.1:{environment['AIP_HTTP_PORT']}"
    health = url + environment["AIP_HEALTH_ROUTE"]
    if request.param == "process":
        log = tmp_path_factory.mktemp("vertex") / "service.log"
        bento = build_bento(serving_model_tag, LABELS, workers=1)
        started = start([BENTOML, "serve", bento], log, env={**os.environ, **environment}, cwd=log.parent)
        try:
            wait_ready("the service in Vertex's prediction mode", lambda: http_status(health) == 200, started, 300)
            with httpx.Client(base_url=url, timeout=30) as client:
                yield client
        finally:
            stop(started)
    else:
        world, image = request.getfixturevalue("container_world"), request.getfixturevalue("image")
        with running(world, image, environment) as container:
            wait_ready("the image in Vertex's prediction mode", lambda: http_status(health) == 200, container, 300)
            with httpx.Client(base_url=url, timeout=30) as client:
                yield client


def test_it_listens_on_aip_http_port_and_routes_vertex_s_paths(serving_model_tag: str, monkeypatch) -> None:
    service = service_class(serving_model_tag, VERTEX_ENVIRONMENT, monkeypatch)
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


def test_outside_vertex_the_adapter_is_off(serving_model_tag: str, monkeypatch) -> None:
    """Without AIP_MODE=PREDICTION (Kubernetes, the local stacks) the AIP variables change nothing."""
    outside = {k: v for k, v in VERTEX_ENVIRONMENT.items() if k != "AIP_MODE"}
    service = service_class(serving_model_tag, outside, monkeypatch)
    assert "http" not in service.config and service.middlewares == []


def test_a_bento_pins_its_model_and_worker_count(serving_model_tag: str) -> None:
    """As BentoML reads a built Bento back in the deploy step's process, which has imported this project's
    ``serving``, with a newer model in the store: the pinned model and count, not the latest model nor one
    worker per CPU."""
    import serving.service  # noqa: F401  # as in a process that built a Bento before

    stored = bentoml.models.get(serving_model_tag)
    with bentoml.models.create(BENTO_NAME, labels=stored.info.labels, metadata=stored.info.metadata) as newer:
        for name in ("model.keras", "vocabulary.json"):
            shutil.copy(stored.path_of(name), newer.path_of(name))
    bento = build_bento(serving_model_tag, LABELS, workers=1)
    assert [str(model.tag) for model in bentoml.bentos.get(bento).info.all_models] == [serving_model_tag]
    assert serving_workers(bento) == 1


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


def kubelet_probe(port: int, probe: Dict[str, Any]) -> bool:
    """A probe as the kubelet runs it: GET on the path, success for a status from 200 to 399 within its timeout."""
    try:
        status = httpx.get(f"http://127.0.0.1:{port}{probe['httpGet']['path']}", timeout=probe.get("timeoutSeconds", 1))
    except httpx.TransportError:
        return False
    return 200 <= status.status_code < 400


def docker_limits(resources: Dict[str, Dict[str, str]]) -> Dict[str, Any]:
    """The container's CPU and memory limits as Docker takes them (the quantities the manifests use here)."""
    cpu, memory = resources["limits"]["cpu"], resources["limits"]["memory"]
    return {"nano_cpus": int(float(cpu) * 1e9), "mem_limit": memory.replace("Gi", "g").replace("Mi", "m")}


def test_the_image_runs_as_the_deployment_runs_it(image: str, container_world) -> None:
    """The Deployment's arguments (its port a free one: here the pod's network is the host's), environment,
    limits and probes: ready only once the model is loaded (then at once a prediction), live all along."""
    deployment, _ = kubernetes.manifests(kubernetes.render(KubernetesServing(), image, "review_classifier", "7", "b"))
    (spec,) = deployment["spec"]["template"]["spec"]["containers"]
    port = free_port()
    args = [str(port) if a == str(kubernetes.PORT) else a for a in spec["args"]]
    environment = {e["name"]: e["value"] for e in spec["env"]}
    timeline: List[Optional[bool]] = []
    with running(container_world, image, environment, command=args, **docker_limits(spec["resources"])) as container:
        deadline = time.monotonic() + 300
        while not (timeline and timeline[-1]):
            container.alive()
            if time.monotonic() > deadline:
                raise AssertionError(f"never ready in 300 s; readiness checks: {timeline}")
            timeline.append(kubelet_probe(port, spec["readinessProbe"]))
            time.sleep(spec["readinessProbe"]["periodSeconds"] / 10)
        answer = httpx.post(f"http://127.0.0.1:{port}/predict", json={"texts": TEXTS}, timeout=30)
        assert kubelet_probe(port, spec["livenessProbe"]) and kubelet_probe(port, spec["startupProbe"])
    assert timeline[0] is False, "ready before the model could have loaded"
    assert answer.status_code == 200 and {p["model_version"] for p in answer.json()} == {"7"}

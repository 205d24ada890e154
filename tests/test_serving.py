"""Serving end to end: deployment pipeline -> real HTTP service -> predictions, bad input, parity,
redeploy under load, rollback, a failed deploy, status and stop.

Every test of a deployment runs twice: the Bento served as a local process (stack `local`) and
as its container image, built by BentoML, pushed to the registry and run on the host network
(stack `docker-serving`). Tests of what only a process has (its log file, its worker processes)
or of the Bento itself run on the process only.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
from contextlib import ExitStack
from pathlib import Path

import bentoml
import httpx
import numpy as np
import pandas as pd
import psutil
import pytest
from zenml.client import Client
from zenml.enums import ModelStages
from zenml.integrations.bentoml.services.bentoml_container_deployment import BentoMLContainerDeploymentService
from zenml.integrations.bentoml.services.bentoml_local_deployment import BentoMLLocalDeploymentService

import run
import steps.deploy
from benchmarks import fault_injection as faults
from commands import rollback, status, stop
from registry import deployed_services, load_classifier
from review_classifier.decision import labels_of
from review_classifier.metrics import classification_metrics
from review_classifier.names import BATCH_INFERENCE_PIPELINE, BENTO_NAME, DEPLOY_STEP, DEPLOYMENT_PIPELINE
from serving import frontdoor
from serving.lock import read_lock
from serving.traffic import STEADY_RATE, switches, traffic, until_answered
from stacks.register import main as register_stacks
from steps.caching import project_sources
from supervisor.processes import free_port
from tests.bad_input import BAD_INPUTS
from tests.imports import in_fresh_interpreter, third_party_imports
from tests.pipeline_helpers import assert_quiet, production_and_worse, project_config, step_logs

MODEL = "review_classifier_serving_tests"  # its own model, so other tests' production is untouched
THRESHOLD = 0.8  # the production version's decision threshold: not the default, so every consumer must read it


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("serving")


@pytest.fixture(scope="module")
def trained(workdir: Path, sample_reviews: pd.DataFrame):
    """A production version of the test model and a later, worse, non-production one."""
    return production_and_worse(workdir, sample_reviews, MODEL, decision_threshold=THRESHOLD)


#: Where a deployment serves: stack `local` runs the Bento as a process, `docker-serving` as a container.
STACK_OF = {"process": "local", "container": "docker-serving"}
process_only = pytest.mark.parametrize("service", ["process"], indirect=True)


def deploy_config(workdir: Path, **parameters) -> Path:
    """configs/deploy.yaml for the test model; on a stack with a registry, the Bento's image is built from
    the local parent image (Docker Hub, BentoML's default base, is unreachable here) and runs one worker
    (each loads TensorFlow and the model; the process keeps the default count, one per CPU)."""
    if Client().active_stack.container_registry is not None:
        parameters["base_image"] = os.environ["REVIEW_CLASSIFIER_PARENT_IMAGE"]
        parameters["workers"] = 1
    return project_config("deploy.yaml", workdir, MODEL, **parameters)


@pytest.fixture(scope="module", params=list(STACK_OF))
def service(request, trained, workdir: Path):
    """The deployment pipeline's service, on a free port, as a process or a container; stopped after
    the last test of its kind, whatever happened (stop.main() also stops the containers)."""
    if request.param == "container":
        request.getfixturevalue("container_world")
    stack = STACK_OF[request.param]
    assert register_stacks([stack]) == 0
    Client().activate_stack(stack)
    port = free_port()
    try:
        run.main(["--config", str(deploy_config(workdir, port=port))])
        yield f"http://127.0.0.1:{port}"
    finally:
        stop.main()
        Client().activate_stack("local")


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def deploy_again(workdir: Path, url: str) -> None:
    run.main(["--config", str(deploy_config(workdir, port=port_of(url)))])


def assert_consistent(url: str, version: str, capsys) -> None:
    """The status command, ZenML's service record and the service say the same thing: ``version`` serves."""
    capsys.readouterr()
    assert status.main() == 0, capsys.readouterr().out
    assert f"version {version} serves at {url}/predict" in capsys.readouterr().out
    (deployed,) = deployed_services(Client().active_stack.model_deployer)
    assert deployed.config.model_version == version
    production = Client().get_model_version(MODEL, "production")
    assert status.metadata(url)["model_version"] == version == str(production.number)


def post(url: str, payload: dict):
    return httpx.post(url, json=payload, timeout=30).raise_for_status().json()


def call(url: str, body: bytes):
    response = httpx.post(url, content=body, headers={"content-type": "application/json"}, timeout=30)
    return response.status_code, response.text


def healthy(url: str) -> bool:
    return httpx.get(url + "/readyz", timeout=10).status_code == 200


def test_deployment_is_tracked_by_zenml(service: str) -> None:
    stack = Client().active_stack
    (deployed,) = stack.model_deployer.find_model_server(
        pipeline_name=DEPLOYMENT_PIPELINE, pipeline_step_name=DEPLOY_STEP
    )
    assert deployed.is_running
    assert deployed.config.port == frontdoor.routed_backend(port_of(service)) != port_of(service)
    assert deployed.config.bento_tag.startswith(f"{BENTO_NAME}:")
    if stack.container_registry is None:
        assert isinstance(deployed, BentoMLLocalDeploymentService)
    else:  # the image pushed to the stack's registry, running on the host network
        assert isinstance(deployed, BentoMLContainerDeploymentService)
        assert deployed.config.image.startswith(f"{stack.container_registry.config.uri}/{BENTO_NAME}@sha256:")
        container = deployed.container
        assert container.status == "running" and container.attrs["HostConfig"]["NetworkMode"] == "host"


@process_only
def test_deployment_logs_are_quiet(service: str) -> None:
    deployer = Client().active_stack.model_deployer
    (deployed,) = deployer.find_model_server(pipeline_name=DEPLOYMENT_PIPELINE, pipeline_step_name=DEPLOY_STEP)
    steps = Client().get_pipeline(DEPLOYMENT_PIPELINE).last_run.steps.values()
    assert_quiet("\n".join([Path(deployed.status.log_file).read_text(), *map(step_logs, steps)]))


@process_only
def test_the_recorded_worker_count_is_the_real_one(service: str) -> None:
    deployed = faults.serving()
    workers = faults.workers(deployed)
    assert workers and deployed.config.workers == len(workers)
    deploy_log = step_logs(Client().get_pipeline(DEPLOYMENT_PIPELINE).last_run.steps[DEPLOY_STEP])
    assert f"'workers': {len(workers)}," in deploy_log  # ZenML's dump of the deployment's configuration


@process_only
def test_a_worker_loads_none_of_the_training_libraries(service: str) -> None:
    """This venv has them for training, and Keras and NLTK import them wherever installed: a worker refuses them
    (``NOT_FOR_PREDICTION``, serving/service.py), yet predicts (the tests below)."""
    workers = faults.workers(faults.serving())
    mapped = {Path(m.path).as_posix() for worker in workers for m in worker.memory_maps()}
    assert workers and any("/tensorflow/" in path for path in mapped)
    training = ("matplotlib", "sklearn", "scipy")
    assert not {name for name in training for path in mapped if f"/site-packages/{name}/" in path}


def test_predict_and_metadata(service: str, trained) -> None:
    production_run, _ = trained
    version = str(production_run.model_version.number)
    results = post(service + "/predict", {"texts": ["Love this dress, fits perfectly", "Cheap fabric, returned it"]})
    assert [r["model_version"] for r in results] == [version, version]
    assert all(0.0 <= r["probability"] <= 1.0 for r in results)
    assert [r["label"] for r in results] == labels_of([r["probability"] for r in results], THRESHOLD)
    info = status.metadata(service)
    assert info["model_name"] == MODEL and info["model_version"] == version
    assert info["decision_threshold"] == THRESHOLD
    assert info["metrics"]["roc_auc"] == pytest.approx(
        production_run.model_version.run_metadata["test_metrics"]["roc_auc"]
    )


@pytest.mark.parametrize("route", ["/predict", "/explain"])
@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_gets_a_400_and_the_service_keeps_serving(service: str, case: str, route: str) -> None:
    body, message = BAD_INPUTS[case]
    status, text = call(service + route, body)
    assert status == 400, text
    assert message in text
    assert healthy(service)
    assert call(service + route, b'{"texts": ["still fine"]}')[0] == 200


#: What careless or hostile clients send to the public port, and the status the front door or the service answers.
HOSTILE = {
    "oversized-body": (json.dumps({"texts": ["a" * (9 * 2**20)]}).encode(), 413),
    "deep-nesting": (b'{"texts": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", 400),
    "lone-surrogate": (b'{"texts": ["\\ud800"]}', 400),
    "nul-byte": (json.dumps({"texts": ["fits\u0000well"]}).encode(), 200),
    "emoji": (json.dumps({"texts": ["Love it \U0001f60d\U0001f457"]}).encode(), 200),
    "right-to-left": (json.dumps({"texts": ["\u05e9\u05de\u05dc\u05d4 \u05d9\u05e4\u05d4 \u202eevol"]}).encode(), 200),
}


@process_only
@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_requests_get_their_answer_at_the_public_port(service: str, case: str) -> None:
    body, expected = HOSTILE[case]
    assert call(service + "/predict", body)[0] == expected
    assert healthy(service)


@process_only
def test_huge_headers_get_a_400_at_the_public_port(service: str) -> None:
    response = httpx.post(service + "/predict", json={"texts": ["ok"]}, headers={"X-Padding": "a" * 2**16})
    assert response.status_code == 400
    assert healthy(service)


@process_only
def test_a_burst_beyond_capacity_is_shed_with_429_and_the_service_stays_healthy(service: str) -> None:
    async def burst() -> list:
        limits = httpx.Limits(max_connections=BURST, max_keepalive_connections=0)
        async with httpx.AsyncClient(timeout=120, limits=limits) as client:
            body = {"texts": ["Love this dress, the fabric is soft and it fits perfectly"] * 64}
            answers = await asyncio.gather(*(client.post(service + "/predict", json=body) for _ in range(BURST)))
        return [answer.status_code for answer in answers]

    statuses = asyncio.run(burst())
    assert set(statuses) <= {200, 429} and 200 in statuses, sorted(set(statuses))
    assert healthy(service)


#: Concurrent 64-text requests of the burst: more than the front door's per-client limit and the workers' queues.
BURST = 400
#: Connections that send half a request and then idle, as a slow-loris client holds them.
IDLE = 1500


@process_only
def test_idle_half_sent_connections_do_not_deny_service(service: str) -> None:
    """While ``IDLE`` connections sit on half a request, a normal one is answered: before the front door's
    client timeout closes any of them, so not by waiting for them to go away."""
    port = port_of(service)
    with ExitStack() as held:
        idle = [held.enter_context(socket.create_connection(("127.0.0.1", port))) for _ in range(IDLE)]
        for connection in idle:
            connection.sendall(b"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: applic")
        assert post(service + "/predict", {"texts": ["Still answered"]})[0]["label"] in ("positive", "negative")
        for connection in idle:
            connection.setblocking(False)
            with pytest.raises(BlockingIOError):  # nothing to read, not closed: still held open
                connection.recv(1, socket.MSG_PEEK)
    assert healthy(service)


def test_explain_is_predict_with_an_exact_decomposition_of_the_logit(service: str, trained) -> None:
    production_run, _ = trained
    test_set = production_run.steps["evaluate"].inputs["test_set"][0].load()
    texts = ["Love this dress! It FITS perfectly", *test_set["text"].head(30)]
    explained = post(service + "/explain", {"texts": texts})
    assert [{k: e[k] for k in ("label", "probability", "model_version")} for e in explained] == post(
        service + "/predict", {"texts": texts}
    )
    for explanation in explained:
        contributions = [f["contribution"] for f in explanation["features"]]
        assert explanation["bias"] + explanation["deep"] + sum(contributions) == pytest.approx(
            explanation["logit"], abs=1e-9
        )
        assert 1 / (1 + np.exp(-explanation["logit"])) == pytest.approx(explanation["probability"], abs=1e-6)
        assert [abs(c) for c in contributions] == sorted((abs(c) for c in contributions), reverse=True)
    features = {f["text"]: f for f in explained[0]["features"]}
    assert features["love"]["words"] == "Love" and features["love dress"]["words"] == "Love this dress"
    assert all(f["words"] in texts[0] for f in features.values())  # as written: "FITS", not "fits"


def test_service_batch_inference_and_evaluation_agree(service: str, trained, workdir: Path) -> None:
    """Same probabilities, and the same labels at the version's own decision threshold."""
    production_run, _ = trained
    test_set = production_run.steps["evaluate"].inputs["test_set"][0].load()
    texts = test_set["text"].head(40).tolist()

    version = production_run.model_version
    evaluation = load_classifier(version)
    expected = evaluation.predict_proba(texts)
    expected_labels = labels_of(expected, THRESHOLD)
    assert any(0.5 <= p < THRESHOLD for p in expected), "no text tells the threshold from the default 0.5"
    stored_metrics = version.run_metadata["test_metrics"]
    assert stored_metrics["threshold"] == THRESHOLD and version.run_metadata["decision_threshold"] == THRESHOLD
    all_texts = evaluation.predict_proba(test_set["text"].tolist())
    recomputed = classification_metrics(test_set["label"].to_numpy(), all_texts, THRESHOLD)
    assert stored_metrics["confusion_matrix"] == recomputed["confusion_matrix"]
    assert stored_metrics["accuracy"] == pytest.approx(recomputed["accuracy"])

    served_results = post(service + "/predict", {"texts": texts})
    served = np.array([r["probability"] for r in served_results])

    new_reviews = workdir / "new_reviews.csv"
    pd.DataFrame({"Title": "", "Review Text": texts}).to_csv(new_reviews, index=False)
    config = project_config("inference.yaml", workdir, MODEL, data_uri=str(new_reviews), output_uri=None)
    run.main(["--config", str(config)])
    batch = Client().get_pipeline(BATCH_INFERENCE_PIPELINE).last_run.steps["predict"].outputs["predictions"][0].load()

    np.testing.assert_allclose(served, expected, atol=1e-6)
    np.testing.assert_allclose(batch["probability"].to_numpy(), expected, atol=1e-6)
    assert [r["label"] for r in served_results] == batch["label"].tolist() == expected_labels


def test_batch_inference_reports_rows_without_text(trained, workdir: Path) -> None:
    path = workdir / "with_gaps.csv"
    pd.DataFrame({"Title": ["Great", None, ""], "Review Text": ["Love it", None, "  "]}).to_csv(path, index=False)
    output = workdir / "predictions.parquet"
    config = project_config("inference.yaml", workdir, MODEL, data_uri=str(path), output_uri=str(output))
    run.main(["--config", str(config)])
    written = pd.read_parquet(output)
    assert written["row"].tolist() == [1, 2, 3]
    assert written["status"].tolist() == ["ok", "empty text", "empty text"]
    assert written["probability"].isna().tolist() == [False, True, True]


def test_the_service_module_loads_without_the_training_libraries() -> None:
    """BentoML's arbiter (ZenML's daemon) imports the service module before any worker starts, on every deploy:
    scikit-learn, SciPy and pandas would add seconds of CPU to each; TensorFlow only the workers import."""
    heavy = ["sklearn", "scipy", "pandas", "tensorflow", "keras"]
    probe = f"import json, sys, serving.service\nprint(json.dumps([m for m in {heavy!r} if m in sys.modules]))"
    assert in_fresh_interpreter(probe) == [[]]


@process_only
def test_bento_is_self_contained(service: str) -> None:
    deployer = Client().active_stack.model_deployer
    (deployed,) = deployer.find_model_server(pipeline_name=DEPLOYMENT_PIPELINE, pipeline_step_name=DEPLOY_STEP)
    bento = bentoml.bentos.get(deployed.config.bento_tag)
    source = Path(bento.path) / "src"
    assert (source / "review_classifier" / "nltk_data" / "corpora" / "stopwords" / "english").is_file()
    assert (source / "serving" / "service.py").is_file()
    pinned_model = (source / "serving" / "model_tag.txt").read_text()
    assert [str(m.tag) for m in bento.info.all_models] == [pinned_model]
    stored = bentoml.models.get(pinned_model)
    assert sorted(p.name for p in Path(stored.path).iterdir() if p.suffix in {".keras", ".json"}) == [
        "model.keras",
        "vocabulary.json",
    ]
    requirements_file = Path(bento.path) / "env" / "python" / "requirements.txt"
    requirements = requirements_file.read_text().split()
    assert "tensorflow-cpu==2.21.0" in requirements and all("==" in r for r in requirements)
    assert bento.info.labels["zenml_model"] == MODEL
    # Only what serving runs: the service, its HTTP contract, its pinned model tag and the pure package.
    assert sorted(p.name for p in (source / "serving").iterdir()) == [
        "__init__.py",
        "api.py",
        "model_tag.txt",
        "service.py",
        "vertex.py",
    ]
    code = list(source.rglob("*.py"))
    # Exactly the service and the project modules it imports, packages' __init__ included: no training code.
    carried = {p.relative_to(source).as_posix() for p in code}
    assert carried == project_sources("serving.service") | {"serving/__init__.py", "review_classifier/__init__.py"}
    installed = set(read_lock(requirements_file))
    imported = third_party_imports(code, {"serving", "review_classifier"})
    assert {m: names for m, names in imported.items() if not names & installed} == {}


def test_only_a_production_version_is_deployed(trained, workdir: Path) -> None:
    _, worse_run = trained
    number = worse_run.model_version.number
    # Its stage depends on which redeploy and rollback tests ran before (none, or archived by them).
    with pytest.raises(RuntimeError, match=f"version {number} is (not staged|archived), not production"):
        run.main(["--config", str(deploy_config(workdir, version=number, port=free_port()))])


def test_redeploy_under_load_switches_once_without_a_failed_request(service: str, trained, workdir: Path, capsys):
    """A new production version replaces the served one while clients keep sending requests."""
    production_run, worse_run = trained
    old, new = str(production_run.model_version.number), str(worse_run.model_version.number)
    Client().get_model_version(MODEL, worse_run.model_version.number).set_stage(ModelStages.PRODUCTION, force=True)
    with traffic(service, rate=STEADY_RATE) as fresh, traffic(service, keep_alive=True, rate=STEADY_RATE) as kept:
        until_answered(kept, 20)
        deploy_again(workdir, service)
        until_answered(kept, 20)
    for responses in (fresh, kept):
        assert [r.error for r in responses if r.version is None] == []
        first, second = switches(responses)  # and never back to the first
        assert {r.version for r in responses if r.backend == first} == {old}
        assert {r.version for r in responses if r.backend == second} == {new}
    # Each keep-alive client opened its one connection, and the switch closed none of them.
    assert sum(r.connected for r in kept) == 4 and all(r.connected for r in fresh)
    assert_consistent(service, new, capsys)


def serving_version(url: str, workdir: Path, number: int) -> None:
    """Version ``number`` production and served at ``url``: deployed only if another version serves there
    (as when the test that needs it runs without the redeploy test before it)."""
    Client().get_model_version(MODEL, number).set_stage(ModelStages.PRODUCTION, force=True)
    if status.metadata(url)["model_version"] != str(number):
        deploy_again(workdir, url)


def test_rollback_serves_the_previous_production_version_again(service: str, trained, workdir: Path, capsys):
    production_run, worse_run = trained
    serving_version(service, workdir, worse_run.model_version.number)
    config = deploy_config(workdir, port=port_of(service))
    with traffic(service, rate=STEADY_RATE) as responses:
        assert rollback.main(["--config", str(config), "--reason", "worse in production"]) == 0
    assert [r.error for r in responses if r.version is None] == []
    previous, rolled_back = (Client().get_model_version(MODEL, r.model_version.number) for r in trained)
    assert (previous.stage, rolled_back.stage) == (ModelStages.PRODUCTION, ModelStages.ARCHIVED)
    for version in (previous, rolled_back):
        entry = version.run_metadata["rollback"]
        assert (entry["reason"], entry["from_version"], entry["to_version"], entry["deployed"]) == (
            "worse in production",
            rolled_back.number,
            previous.number,
            True,
        )
    assert_consistent(service, str(previous.number), capsys)


def broken_model(served_tag: str) -> str:
    """A copy of a served BentoML model whose vocabulary is not one: the service fails while loading it."""
    served = bentoml.models.get(served_tag)
    with bentoml.models.create(BENTO_NAME, labels=served.info.labels, metadata=served.info.metadata) as broken:
        shutil.copy(served.path_of("model.keras"), broken.path_of("model.keras"))
        Path(broken.path_of("vocabulary.json")).write_text('{"not": "a vocabulary"}')
    return str(broken.tag)


def test_a_version_failing_at_start_up_leaves_the_old_one_serving(service: str, workdir: Path, monkeypatch, capsys):
    """The error quotes the service's own log (so it comes when the failure does, not after the timeout)."""
    deployer = Client().active_stack.model_deployer
    (before,) = deployed_services(deployer)
    stored = steps.deploy.save_model
    # The new Bento (and so its image) pins a model that cannot load.
    monkeypatch.setattr(steps.deploy, "save_model", lambda *args, **kwargs: broken_model(stored(*args, **kwargs)))
    cause = "its log shows .*ValidationError: 2 validation errors for Vocabulary"
    with traffic(service, rate=STEADY_RATE) as responses, pytest.raises(RuntimeError, match=cause):
        deploy_again(workdir, service)
    assert [r.error for r in responses if r.version is None] == []
    assert {r.version for r in responses} == {before.config.model_version}
    assert [s.uuid for s in deployed_services(deployer)] == [before.uuid]
    assert_consistent(service, before.config.model_version, capsys)


def test_stop_after_a_failed_deploy_stops_everything(service: str) -> None:
    deployer = Client().active_stack.model_deployer
    deployed = deployer.find_model_server(pipeline_name=DEPLOYMENT_PIPELINE, pipeline_step_name=DEPLOY_STEP)
    daemons = [psutil.Process(s.status.pid) for s in deployed if isinstance(s, BentoMLLocalDeploymentService)]
    containers = [s for s in deployed if isinstance(s, BentoMLContainerDeploymentService)]
    nginx = frontdoor.master()
    assert (daemons or containers) and nginx is not None
    assert stop.main() == 0
    with pytest.raises(httpx.TransportError):
        healthy(service)
    assert deployer.find_model_server(pipeline_name=DEPLOYMENT_PIPELINE, pipeline_step_name=DEPLOY_STEP) == []
    assert not any(faults.alive(p) for p in [nginx, *daemons])
    assert [s.container for s in containers] == [None] * len(containers)
    assert frontdoor.master() is None


def test_a_deploy_on_a_port_someone_else_holds_says_who(trained, workdir: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(RuntimeError, match=f"port {port} is already in use by PID {os.getpid()}"):
            run.main(["--config", str(deploy_config(workdir, port=port))])

"""The workarounds in zenml_fixes/: ZenML's stock classes still have each bug, and each fix works.

Every ``test_stock_*`` test asserts a bug of the pinned ZenML. When one fails after a pin
bump, upstream fixed that bug: the failure names the code to delete (see the module's
"Delete when"). Real ZenML, BentoML and KFP objects throughout; the only stand-in is
BentoML's blocking ``serve_http`` in the ``run`` tests, so a fixed stock ``run`` returns.
"""

from __future__ import annotations

import re
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, List, Type
from uuid import uuid4

import psutil
import pytest
import yaml
from zenml.client import Client
from zenml.config import ResourceSettings
from zenml.enums import StackComponentType
from zenml.integrations.bentoml.flavors.bentoml_model_deployer_flavor import BentoMLModelDeployerConfig
from zenml.integrations.bentoml.model_deployers import BentoMLModelDeployer
from zenml.integrations.bentoml.services.bentoml_container_deployment import (
    BentoMLContainerDeploymentConfig,
    BentoMLContainerDeploymentService,
)
from zenml.integrations.bentoml.services.bentoml_local_deployment import (
    BentoMLLocalDeploymentConfig,
    BentoMLLocalDeploymentService,
)

from supervisor.processes import free_port
from tests.imports import imports, python_files
from zenml_fixes.bentoml_deployer import NewStyleBentoMLLocalDeploymentService, NewStyleBentoMLModelDeployer

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEPLOYER_FIX = "zenml_fixes/bentoml_deployer.py"
ORCHESTRATOR_FIX = "zenml_fixes/kubeflow_orchestrator.py"
ECHO_SERVICE = """import bentoml


@bentoml.service(workers=1)
class Echo:
    @bentoml.api
    def echo(self, text: str) -> str:
        return text
"""


@contextmanager
def stock_still_raises(error: Type[Exception], match: str, fix: str) -> Iterator[None]:
    """The block must fail as ZenML's stock code does; if it does not, upstream fixed it."""
    try:
        yield
    except error as raised:
        assert re.search(match, str(raised)), raised
    else:
        pytest.fail(f"upstream fixed: delete {fix}")


def component(cls: type, config: object, flavor: str, component_type: StackComponentType) -> object:
    """A stack component as ZenML builds one from the store, without a store."""
    now = datetime.now(timezone.utc)
    return cls(
        name="test", id=uuid4(), config=config, flavor=flavor, type=component_type, user=None, created=now, updated=now
    )


def living(processes: List[psutil.Process]) -> List[psutil.Process]:
    alive = []
    for process in processes:
        try:
            if process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.NoSuchProcess:
            pass
    return alive


def kill(processes: List[psutil.Process]) -> None:
    for process in living(processes):
        process.kill()
    psutil.wait_procs(processes, timeout=10)


# --- zenml_fixes/kubeflow_orchestrator.py ---------------------------------------------------


def compile_with_memory(orchestrator_class: type, memory: str, directory: Path) -> dict:
    """Compile a one-task KFP pipeline whose task the orchestrator gives ``memory``; the task's resources."""
    from kfp import compiler, dsl
    from zenml.integrations.kubeflow.flavors import KubeflowOrchestratorConfig

    config = KubeflowOrchestratorConfig()
    orchestrator = component(orchestrator_class, config, "kubeflow", StackComponentType.ORCHESTRATOR)

    @dsl.container_component
    def step():
        return dsl.ContainerSpec(image="busybox", command=["true"])

    @dsl.pipeline(name="memory-limit")
    def pipeline():
        orchestrator._configure_container_resources(step(), ResourceSettings(memory=memory))

    spec = directory / "pipeline.yaml"
    compiler.Compiler().compile(pipeline, str(spec))
    (executor,) = yaml.safe_load(spec.read_text())["deploymentSpec"]["executors"].values()
    return executor["container"]["resources"]


def test_stock_kubeflow_orchestrator_still_breaks_on_a_memory_limit(tmp_path: Path) -> None:
    from zenml.integrations.kubeflow.orchestrators import KubeflowOrchestrator

    with stock_still_raises(TypeError, "expected string or bytes-like object, got 'float'", ORCHESTRATOR_FIX):
        compile_with_memory(KubeflowOrchestrator, "4GB", tmp_path)


@pytest.mark.parametrize("memory, limit", [("4GB", "4G"), ("512MiB", "512Mi")])
def test_fixed_orchestrator_compiles_memory_limits(tmp_path: Path, memory: str, limit: str) -> None:
    from zenml_fixes.kubeflow_orchestrator import ResourceAwareKubeflowOrchestrator

    assert compile_with_memory(ResourceAwareKubeflowOrchestrator, memory, tmp_path)["resourceMemoryLimit"] == limit


# --- zenml_fixes/bentoml_deployer.py --------------------------------------------------------


@pytest.fixture
def echo(tmp_path: Path) -> BentoMLLocalDeploymentConfig:
    """A deployment config of a minimal new-style (``@bentoml.service``) service on a free port."""
    (tmp_path / "echo_service.py").write_text(ECHO_SERVICE)
    return BentoMLLocalDeploymentConfig(
        model_name="echo",
        model_uri="echo",
        bento_tag="echo_service:Echo",
        working_dir=str(tmp_path),
        host="127.0.0.1",
        port=free_port(),
        root_runtime_path=str(tmp_path / "runtime"),
    )


@pytest.fixture
def served(monkeypatch) -> list:
    """BentoML's new-style server, recording its calls instead of blocking."""
    calls = []
    monkeypatch.setattr("_bentoml_impl.server.serve_http", lambda bento, **options: calls.append(bento))
    return calls


def test_stock_service_still_runs_new_style_services_as_legacy_ones(echo, served: list) -> None:
    """Change 1: stock takes a ``@bentoml.service`` for a legacy one and dies on ``svc.runners``."""
    with stock_still_raises(AttributeError, "no attribute 'runners'", f"{DEPLOYER_FIX} (change 1, run)"):
        BentoMLLocalDeploymentService(uuid=uuid4(), config=echo).run()
    assert served == []


def test_fixed_service_serves_new_style_services_with_bentomls_server(echo, served: list) -> None:
    NewStyleBentoMLLocalDeploymentService(uuid=uuid4(), config=echo).run()
    assert served == ["echo_service:Echo"]


def never_starting(config: BentoMLLocalDeploymentConfig) -> BentoMLLocalDeploymentConfig:
    """The same deployment, of a service that does not exist."""
    return config.model_copy(update={"bento_tag": "no_such_service:Nothing"})


def deployer(cls: type, directory: Path) -> BentoMLModelDeployer:
    config = BentoMLModelDeployerConfig(service_path=str(directory / "deployer"))
    return component(cls, config, "bentoml", StackComponentType.MODEL_DEPLOYER)


def test_stock_deployer_still_reports_a_service_that_never_started_as_deployed(echo, tmp_path: Path) -> None:
    """Change 2: stock only logs that the service did not start, and returns it as deployed."""
    stock = deployer(BentoMLModelDeployer, tmp_path)
    config = never_starting(echo)
    try:
        service = stock.deploy_model(config, BentoMLLocalDeploymentService.SERVICE_TYPE, timeout=2)
    except RuntimeError as error:
        pytest.fail(f"upstream fixed: delete {DEPLOYER_FIX} (change 2, _create_new_service): {error}")
    try:
        assert not service.is_running
        assert [s.uuid for s in stock.find_model_server(service_uuid=service.uuid)] == [service.uuid]
    finally:
        stock.delete_model_server(service.uuid, timeout=30, force=True)


def test_fixed_deployer_fails_when_the_service_does_not_start(echo, tmp_path: Path) -> None:
    fixed = deployer(NewStyleBentoMLModelDeployer, tmp_path)
    with pytest.raises(
        RuntimeError, match=r"service no_such_service:Nothing did not become ready: .*; end of .*service\.log"
    ):
        fixed.deploy_model(never_starting(echo), BentoMLLocalDeploymentService.SERVICE_TYPE, timeout=2)
    assert fixed.find_model_server(model_name="echo") == []


def test_stock_deployer_still_finds_a_service_of_another_configuration(echo, tmp_path: Path) -> None:
    """Change 4: stock ignores ``config``, so a deploy of another configuration gets the old service back."""
    stock, fixed = deployer(BentoMLModelDeployer, tmp_path), deployer(NewStyleBentoMLModelDeployer, tmp_path)
    registered = Client().create_service(config=echo, service_type=BentoMLLocalDeploymentService.SERVICE_TYPE)
    service = BentoMLLocalDeploymentService(
        uuid=registered.id, config=echo
    )  # recorded as deploy_model does; not started
    Client().update_service(
        id=registered.id,
        service_source=service.model_dump()["type"],
        admin_state=service.admin_state,
        status=service.status.model_dump(),
        endpoint=service.endpoint.model_dump(),
    )
    elsewhere = echo.model_copy(update={"port": free_port()}).model_dump()
    try:
        if [s.uuid for s in stock.find_model_server(config=elsewhere)] != [registered.id]:
            pytest.fail(f"upstream fixed: delete {DEPLOYER_FIX} (change 4, find_model_server)")
        assert fixed.find_model_server(config=elsewhere) == []
        assert [s.uuid for s in fixed.find_model_server(config=echo.model_dump())] == [registered.id]
    finally:
        Client().delete_service(registered.id)


@contextmanager
def running(config: BentoMLLocalDeploymentConfig) -> Iterator[tuple]:
    """The echo service really served (by the fixed service class); the daemon and its workers.

    Whatever of them a test leaves running is killed here, also on failure.
    """
    service = NewStyleBentoMLLocalDeploymentService(uuid=uuid4(), config=config)
    service.start(timeout=300)
    daemon = psutil.Process(service.status.pid) if service.status.pid else None
    processes = [daemon, *daemon.children(recursive=True)] if daemon else []
    try:
        assert service.is_running, Path(service.status.log_file).read_text()[-3000:]
        yield service, daemon, processes[1:]
    finally:
        kill(processes)


def test_stock_forced_stop_still_leaves_the_bentoml_workers_serving(echo) -> None:
    """Change 3: stock kills the daemon only; its workers go on holding the port."""
    with running(echo) as (service, daemon, workers):
        assert workers
        BentoMLLocalDeploymentService.deprovision(service, force=True)
        daemon.wait(timeout=30)
        if not living(workers):
            pytest.fail(f"upstream fixed: delete {DEPLOYER_FIX} (change 3, deprovision)")


def test_fixed_forced_stop_stops_the_workers_too(echo) -> None:
    with running(echo) as (service, daemon, workers):
        service.deprovision(force=True)
        assert living([daemon, *workers]) == []


SLOW_SERVICE = """import time

import bentoml


@bentoml.service(workers=1)
class Slow:
    def __init__(self) -> None:
        time.sleep(120)  # never ready while a test looks

    @bentoml.api
    def echo(self, text: str) -> str:
        return text
"""


@contextmanager
def starting(cls: type, echo: BentoMLLocalDeploymentConfig, tmp_path: Path, timeout: int) -> Iterator[tuple]:
    """``cls``'s deploy_model of a service that starts but never becomes ready, in a thread; the deployer and
    the started daemon, once its PID file is written. The daemon's processes are killed at the end, also on failure."""
    (tmp_path / "slow_service.py").write_text(SLOW_SERVICE)
    config = echo.model_copy(update={"bento_tag": "slow_service:Slow", "model_name": "slow"})
    chosen = deployer(cls, tmp_path)
    errors: list = []

    def deploy() -> None:
        try:
            chosen.deploy_model(config, BentoMLLocalDeploymentService.SERVICE_TYPE, timeout=timeout)
        except Exception as error:  # the deploy is expected to fail once the test stops its service
            errors.append(error)

    thread = threading.Thread(target=deploy, daemon=True)
    thread.start()
    pid_files = lambda: list(Path(chosen.local_path).glob("*/service.pid"))  # noqa: E731
    deadline = time.monotonic() + 120
    while not pid_files():
        assert thread.is_alive() and time.monotonic() < deadline, f"the daemon never started: {errors}"
        time.sleep(0.05)
    daemon = psutil.Process(int(pid_files()[0].read_text()))
    try:
        yield chosen, daemon
    finally:
        kill([daemon, *daemon.children(recursive=True)] if living([daemon]) else [])
        thread.join(timeout=timeout + 60)


def test_stock_deployer_still_loses_the_record_of_a_starting_service(echo, tmp_path: Path) -> None:
    """Change 6: the starting service's record has no source yet, so any lookup deletes it; the service runs on."""
    # Stock waits out its timeout even once the daemon is killed: a short one, so the test ends soon after.
    with starting(BentoMLModelDeployer, echo, tmp_path, timeout=20) as (stock, daemon):
        # What a `make status` while `make serve` starts its service does.
        if stock.find_model_server(model_name="slow") != [] or not living([daemon]):
            pytest.fail(f"upstream fixed: delete {DEPLOYER_FIX} (change 6, deploy_model)")


def test_fixed_deployer_records_a_starting_service_so_it_can_be_found_and_stopped(echo, tmp_path: Path) -> None:
    with starting(NewStyleBentoMLModelDeployer, echo, tmp_path, timeout=300) as (fixed, daemon):
        deadline = time.monotonic() + 60  # the record is updated right after the daemon is started
        while not any(s.service_source for s in Client().list_services(hydrate=True).items):
            assert time.monotonic() < deadline, "the starting service's record never got its source"
            time.sleep(0.05)
        (found,) = fixed.find_model_server(model_name="slow")
        workers = daemon.children(recursive=True)
        found.stop(timeout=30, force=True)
        assert living([daemon, *workers]) == []


# --- the stack picks the fixes, the code does not -------------------------------------------


def test_only_the_stack_definitions_refer_to_the_fixes() -> None:
    """Pipelines, steps, serving and the commands use stock ZenML types; deleting zenml_fixes/ touches only stacks/."""
    code = python_files(
        PROJECT_ROOT, ["review_classifier", "serving", "registry.py", "steps", "pipelines", "commands", "run.py"]
    )
    importers = [f for f in code if any(m.split(".")[0] == "zenml_fixes" for m in imports(f))]
    assert [str(f.relative_to(PROJECT_ROOT)) for f in importers] == []


def test_stock_container_service_still_runs_zenml_in_the_image_and_ignores_the_port(
    echo, tmp_path: Path, monkeypatch
) -> None:
    """Change 5: stock starts ZenML's service entrypoint inside the Bento's image (which then needs
    ZenML), and the ``bentoml serve`` it runs there has neither the configured host nor port."""
    config = BentoMLContainerDeploymentConfig(
        **echo.model_dump(include={"model_name", "model_uri", "bento_tag", "host", "port", "root_runtime_path"}),
        image="echo:latest",
        working_dir=str(tmp_path),
    )
    stock = BentoMLContainerDeploymentService(uuid=uuid4(), config=config)
    stock._setup_runtime_path()
    command, _ = stock._get_container_cmd()
    started = []
    monkeypatch.setattr("bentoml._internal.service.loader.load", lambda **kwargs: None)
    monkeypatch.setattr("subprocess.run", lambda argv, **kwargs: started.append(argv))
    stock.run()
    if "zenml.services.container.entrypoint" not in command or started != [["bentoml", "serve"]]:
        pytest.fail(f"upstream fixed: delete {DEPLOYER_FIX} (change 5, the container service): {command} {started}")

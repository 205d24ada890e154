"""Faults injected for real into a served model (benchmarks/fault_injection.py): processes SIGKILLed, the
deploy killed mid-way, artifacts removed or corrupted, ``make status`` facing each contradiction it checks,
a rollback failing before and after its switch.

The Bento serves as a local process (stack ``local``) behind the front door on a free port, for a model
of this module's own; everything a test starts is stopped at the module's end (``make stop-serve``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, List, Tuple

import bentoml
import pandas as pd
import pytest
import yaml
from zenml.client import Client
from zenml.enums import ModelStages

from benchmarks import fault_injection as faults
from commands import rollback, stop
from registry import production_version
from serving import frontdoor
from serving.process import BENTOML
from serving.traffic import STEADY_RATE
from supervisor import processes
from supervisor.processes import free_port, http_status
from tests.pipeline_helpers import for_model, production_and_worse, project_config, write_config

MODEL = "review_classifier_fault_tests"  # its own model, so other tests' production is untouched


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("faults")


@pytest.fixture(scope="module")
def versions(workdir: Path, sample_reviews: pd.DataFrame):
    """The numbers of a production version of the test model and of a later, non-production one."""
    first, second = production_and_worse(workdir, sample_reviews, MODEL)
    return str(first.model_version.number), str(second.model_version.number)


def with_workers(config: Path, workers: int) -> Path:
    """``config`` with the deployment's ``workers``, beside it."""
    settings = yaml.safe_load(config.read_text())
    settings["parameters"]["workers"] = workers
    path = config.with_name(f"{config.stem}-{workers}-workers.yaml")
    path.write_text(yaml.safe_dump(settings))
    return path


@pytest.fixture(scope="module")
def config(versions, workdir: Path):
    """configs/deploy.yaml for the test model on a free port, with one worker (each start of one loads
    TensorFlow and the model; only the worker-kill test needs two), served once; everything stopped at the end."""
    path = project_config("deploy.yaml", workdir, MODEL, port=free_port(), workers=1)
    try:
        faults.serve(path)
        service = faults.serving()
        assert service.config.workers == len(faults.workers(service)) == 1  # the deployment's `workers`
        yield path
    finally:
        stop.main()


def url() -> str:
    return f"http://127.0.0.1:{frontdoor.serving_port()}"


def serves(version: str) -> Tuple[bool, str]:
    """Whether ``make status`` finds ``version`` served with everything agreeing; what it said."""
    code, said = faults.status()
    return code == 0 and f"version {version} serves" in said, said


def healthy(version: str) -> None:
    ok, said = serves(version)
    assert ok, said


def set_production(number: str) -> None:
    Client().get_model_version(MODEL, int(number)).set_stage(ModelStages.PRODUCTION, force=True)


@pytest.fixture
def serve_version(config: Path) -> Callable[[str], None]:
    """Make a version production, served and healthy, deploying only if that is not already so.

    Each test asks for the state it starts from instead of relying on what the test before left, or
    putting back what it broke: a test runs alone as in the module, and a deploy (a worker start, which
    imports TensorFlow) runs only where the state really differs."""

    def serve(number: str) -> None:
        if faults.production(MODEL) != number:
            set_production(number)
        if not serves(number)[0]:
            faults.serve(config)
            healthy(number)

    return serve


@pytest.fixture
def served(serve_version: Callable[[str], None], versions) -> str:
    """The first version production, served and healthy; its number."""
    serve_version(versions[0])
    return versions[0]


def test_a_worker_killed_under_load_costs_at_most_the_requests_in_flight(config: Path, served: str) -> None:
    faults.serve(with_workers(config, 2))
    row = faults.worker_killed(url(), threads=8, rate=STEADY_RATE)
    assert row.held, row
    healthy(served)


def test_status_names_a_stopped_front_door(served: str) -> None:
    assert frontdoor.stop()
    code, said = faults.status()
    assert code == 1 and "  - no front door runs" in said.splitlines(), said


def test_status_names_a_production_stage_moved_to_another_version(served: str, versions) -> None:
    other = versions[1]
    set_production(other)
    code, said = faults.status()
    assert code == 1 and f"  - the production version is {other}, the deployed one {served}" in said.splitlines()


def test_the_whole_backend_killed_is_named_and_make_serve_restores_it(config: Path, served: str) -> None:
    row = faults.backend_killed(config, MODEL)
    assert row.held, row
    assert row.message.startswith("public port: HTTP 502"), row.message
    assert "is not running" in row.message and "no service answers ready through the front door" in row.message


def test_the_front_door_killed_is_named_and_make_serve_restarts_it_without_a_new_backend(config: Path, served: str):
    row = faults.front_door_killed(config, MODEL)
    assert row.held, row
    assert row.message.startswith("public port: refused"), row.message
    assert "no front door runs" in row.message


def test_every_serving_process_killed_needs_no_hand_cleaning(config: Path, served: str) -> None:
    pid_file = frontdoor.state_dir() / "nginx.pid"
    assert int(pid_file.read_text()) == frontdoor.master().pid  # left behind by the kill, as by a restart
    row = faults.everything_killed(config, MODEL)
    assert row.held, row
    assert "no front door runs" in row.message and "is not running" in row.message
    healthy(served)


def test_a_deploy_killed_before_its_switch_leaves_the_old_version_serving(
    config: Path, workdir: Path, served: str
) -> None:
    row = faults.deploy_killed(config, MODEL, workdir / "killed-deploy.log", rate=STEADY_RATE)
    assert row.held, row
    assert row.failed_requests == 0 and "ZenML tracks 2 services for the deploy step" in row.message


@pytest.mark.parametrize("how", ["missing", "corrupt"])
def test_a_damaged_model_artifact_is_refused_before_any_switch(config: Path, served: str, how: str) -> None:
    row = faults.artifact_damaged(config, MODEL, how, rate=STEADY_RATE)
    assert row.held, row
    assert row.message.startswith(f"the 'model' artifact of {MODEL} version {served} at ")


def test_status_names_a_front_door_without_a_service(served: str) -> None:
    deployer = Client().active_stack.model_deployer
    deployer.delete_model_server(faults.serving().uuid, timeout=60)
    code, said = faults.status()
    assert code == 1, said
    assert f"  - the front door runs on port {frontdoor.serving_port()}, but ZenML tracks no service" in said


def rollback_entries(*numbers: str) -> list:
    return [Client().get_model_version(MODEL, int(n)).run_metadata["rollback"] for n in numbers]


def test_a_rollback_failing_before_its_switch_keeps_the_served_version_production(
    config: Path, versions, serve_version
) -> None:
    previous, current = versions
    serve_version(current)
    with faults.damaged(Client().get_model_version(MODEL, int(previous)).get_artifact("model").uri, "corrupt"):
        with pytest.raises(RuntimeError, match=f"the 'model' artifact of {MODEL} version {previous}"):
            rollback.rollback(config, "worse in production")
    assert str(production_version(MODEL).number) == current
    assert [e["deployed"] for e in rollback_entries(previous, current)] == [False, False]
    healthy(current)


def test_a_rollback_failing_after_its_switch_keeps_the_rolled_back_version_production(
    config: Path, versions, serve_version, monkeypatch
) -> None:
    previous, current = versions
    serve_version(current)
    old = faults.serving().uuid
    deployer = type(Client().active_stack.model_deployer)
    deleting = deployer.delete_model_server

    def fails_for_the_old_service(self, uuid, *args, **kwargs):
        if uuid == old:
            raise RuntimeError("stopping the old service failed")
        return deleting(self, uuid, *args, **kwargs)

    monkeypatch.setattr(deployer, "delete_model_server", fails_for_the_old_service)
    with pytest.raises(RuntimeError, match="stopping the old service failed"):
        rollback.rollback(config, "worse in production")
    monkeypatch.undo()
    assert faults.served_version() == previous == str(production_version(MODEL).number)
    entries = rollback_entries(previous, current)
    assert [e["deployed"] for e in entries] == [True, True]
    assert "stopping the old service failed" in entries[0]["error"]
    code, said = faults.status()
    assert code == 1 and "ZenML tracks 2 services for the deploy step" in said, said
    faults.serve(config)
    healthy(previous)


def bentos_of(number: str) -> List[bentoml.Bento]:
    """The Bentos deploys of version ``number`` of the test model built."""
    labels = {"zenml_model": MODEL, "zenml_model_version": number}
    return [bento for bento in bentoml.bentos.list() if labels.items() <= bento.info.labels.items()]


def test_status_names_another_version_answering_on_zenmls_backend(workdir: Path, versions, serve_version) -> None:
    """ZenML's service killed and another version's Bento, built by a deploy of it, serving on its port."""
    first, second = versions
    if not bentos_of(second):
        serve_version(second)
    serve_version(first)
    served = faults.serving()
    other = bentos_of(second)[0]
    faults.sigkill(faults.tree(served))
    backend = f"http://127.0.0.1:{served.config.port}"
    argv = [BENTOML, "serve", str(other.tag), "--host", "127.0.0.1", "--port", str(served.config.port)]
    impostor = processes.start_ready(
        "another version's Bento", argv, workdir / "impostor.log", lambda: http_status(f"{backend}/readyz") == 200, 300
    )
    try:
        code, said = faults.status()
    finally:
        processes.stop(impostor)
    assert code == 1, said
    assert (
        f"  - the service answers as {MODEL} version {second}, ZenML's record says {MODEL} version {first}"
        in said.splitlines()
    )
    assert f"  - ZenML's service {served.uuid} is not running" in said.splitlines()


def test_a_full_artifact_store_disk_fails_the_run_naming_it_and_nothing_half_written_is_reused(
    versions, workdir: Path, tmp_path: Path
) -> None:
    config = for_model(write_config(workdir, str(workdir / "sample.csv")), MODEL)
    mount = tmp_path / "small-disk"
    row = faults.disk_full(config, MODEL, mount, faults.SMALL_DISK_KB)
    assert row.held, row
    assert row.message.startswith("DiskFull: the run stopped: no space left on a disk")
    assert f"the artifact store 'fault-small-disk' at {mount} (" in row.message
    assert not any(str(mount) in line for line in Path("/proc/mounts").read_text().splitlines())


def test_an_unreachable_registry_is_named_before_any_image_is_built_or_step_runs(tmp_path: Path) -> None:
    row = faults.registry_unreachable(write_config(tmp_path, str(tmp_path / "never-read.csv")))
    assert row.held, row
    assert row.message.startswith("error: the container registry 'fault-unreachable-registry' of the stack ")
    assert "the step image is pushed there before any step runs" in row.message

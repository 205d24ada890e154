"""Faults injected for real into the locally served model, each as one row: what the user saw, what the
system did on its own, and whether what the issue promises held.

One place for both callers: ``tests/test_faults.py`` runs each row on its own model and free port and
asserts on the row and on the system afterwards; ``benchmarks/faults.py`` runs them on a model of its own
in a throw-away ZenML store and prints the table. Nothing here is simulated: processes are SIGKILLed, the deploy
command is killed mid-way, artifact files are removed or overwritten (and put back). Every wait goes
through :func:`supervisor.processes.wait_ready`, so it ends with its cause.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, List, NamedTuple, Optional, Tuple

import httpx
import psutil
from zenml.client import Client
from zenml.enums import ExecutionStatus, StackComponentType
from zenml.services.service import BaseDeploymentService

from commands import status as status_command
from commands.pipeline import run_pipeline
from registry import deployed_services, production_version
from review_classifier.names import DEPLOY_STEP, DEPLOYMENT_PIPELINE, TRAINING_PIPELINE
from serving import frontdoor
from serving.traffic import Response, traffic
from supervisor import processes

ROOT = Path(__file__).resolve().parents[1]
#: A disk that holds the ingested sample (benchmarks.datasets.bundled_sample) and its two normalizations, not the
#: chosen one's output: a training run on it fills it in the middle (at choose_normalization), after steps were cached.
SMALL_DISK_KB = 1200
#: The cmdline mark of a BentoML serving worker (the arbiter's children).
WORKER = "_bentoml_impl.worker.service"


class Outcome(NamedTuple):
    """One row of the fault table."""

    fault: str
    held: bool
    failed_requests: int
    recovery_s: float
    lost: bool
    message: str


class Watching:
    """What a wait on something already running watches (:class:`supervisor.processes.Watched`): its check says
    when it is done, so it never fails on its own; its log is quoted if the wait ends without it."""

    def __init__(self, log: str) -> None:
        self.log = log

    def failure(self) -> Optional[str]:
        return None

    def log_text(self) -> str:
        return Path(self.log).read_text(errors="replace") if Path(self.log).is_file() else "(no log)"

    def log_location(self) -> str:
        return self.log


def status() -> Tuple[int, str]:
    """``make status``: its exit code and what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = status_command.main()
    return code, out.getvalue()


def services() -> List[BaseDeploymentService]:
    return deployed_services(Client().active_stack.model_deployer)


def serving() -> BaseDeploymentService:
    """The one service ZenML tracks for the deploy step."""
    (service,) = services()
    return service


def tree(service: BaseDeploymentService) -> List[psutil.Process]:
    """The service's daemon and every process under it (the arbiter, its workers)."""
    daemon = psutil.Process(service.status.pid)
    return [daemon, *daemon.children(recursive=True)]


def alive(process: psutil.Process) -> bool:
    """Running, not merely waiting to be reaped (a daemon's parent is init, which may reap late)."""
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def workers(service: BaseDeploymentService) -> List[psutil.Process]:
    found = []
    for process in tree(service):
        with contextlib.suppress(psutil.Error):
            if WORKER in process.cmdline() and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
    return found


def sigkill(victims: List[psutil.Process]) -> None:
    """SIGKILL each at once, as the OOM killer or a power cut does; return once they are gone."""
    for victim in victims:
        with contextlib.suppress(psutil.NoSuchProcess):
            victim.kill()
    psutil.wait_procs(victims, timeout=10)


def wait_for(name: str, ready: Callable[[], bool], watched: processes.Watched, timeout: float = 120) -> float:
    """Seconds until ``ready`` holds (:func:`supervisor.processes.wait_ready`: a failure ends it with its cause)."""
    started = time.monotonic()
    processes.wait_ready(name, ready, watched, timeout, interval=0.05)
    return round(time.monotonic() - started, 2)


def answered(responses: List[Response], more: int, watched: processes.Watched) -> None:
    """Let the clients get ``more`` answers past this point."""
    target = len(responses) + more
    wait_for(f"{more} more answers through the front door", lambda: len(responses) >= target, watched)


def failures(responses: List[Response]) -> List[str]:
    return [r.error or "" for r in responses if r.version is None]


def served_version() -> Optional[str]:
    """The version that answers through the front door (None if none answers)."""
    info = status_command.live().info
    return info["model_version"] if info else None


def production(model_name: str) -> Optional[str]:
    version = production_version(model_name)
    return str(version.number) if version else None


def versions(model_name: str) -> int:
    return Client().list_model_versions(model=model_name, size=1).total


def serve(config: Path) -> float:
    """``make serve``: the deployment pipeline from ZenML's records (the production version, no training);
    its seconds."""
    started = time.monotonic()
    run_pipeline(config)
    return round(time.monotonic() - started, 1)


def first_line(text: str) -> str:
    return " ".join(text.strip().splitlines()[:1])[:300] if text else ""


def worker_killed(url: str, threads: int = 8) -> Outcome:
    """One serving worker SIGKILLed under load: the others go on answering, the arbiter starts a new one."""
    service = serving()
    before = workers(service)
    daemon = Watching(service.status.log_file)
    with traffic(url, threads=threads) as responses:
        answered(responses, 50, daemon)
        sigkill([before[0]])
        gone = before[0].pid
        recovery = wait_for(
            "a new worker in place of the killed one",
            lambda: len(workers(service)) == len(before) and gone not in {w.pid for w in workers(service)},
            daemon,
        )
        answered(responses, 50, daemon)
    code, _ = status()
    failed = failures(responses)
    return Outcome(
        f"one serving worker SIGKILLed under load (concurrency {threads})",
        held=code == 0 and len(failed) <= threads,
        failed_requests=len(failed),
        recovery_s=recovery,
        lost=False,
        message=failed[0] if failed else "(no failed request)",
    )


def public_answer(url: str) -> Tuple[bool, str]:
    """What a client gets at once on the public port: whether it got an answer or a refusal (not a hang,
    which is a timeout), and what it was."""
    try:
        response = httpx.post(url + "/predict", json={"texts": ["still there?"]}, timeout=10)
        return response.status_code >= 500, f"HTTP {response.status_code}"
    except httpx.TimeoutException as error:
        return False, f"no answer: {error!r}"
    except httpx.TransportError as error:
        return True, f"refused: {error!r}"


def problems(said: str) -> str:
    return "; ".join(line.strip()[2:] for line in said.splitlines() if line.startswith("  - "))


def killed_then_served(
    config: Path, model_name: str, victims: List[psutil.Process], fault: str, named: str, same_backend: bool = False
) -> Outcome:
    """SIGKILL ``victims``, ask the public port and ``make status`` (which must name ``named``), then
    ``make serve``: the same version must serve again from ZenML's records, with no new model version
    (and with ``same_backend``, by the service that served before: no new one started)."""
    backend = serving().uuid
    before = (served_version(), production(model_name), versions(model_name))
    url = f"http://127.0.0.1:{frontdoor.serving_port()}"
    sigkill(victims)
    started = time.monotonic()
    at_once, answer = public_answer(url)
    code, said = status()
    serve(config)
    recovery = round(time.monotonic() - started, 1)
    healthy, _ = status()
    after = (served_version(), production(model_name), versions(model_name))
    kept = not same_backend or serving().uuid == backend
    return Outcome(
        fault,
        held=at_once and code == 1 and named in said and healthy == 0 and after == before and kept,
        failed_requests=int(answer.startswith("HTTP") or answer.startswith("refused")),
        recovery_s=recovery,
        lost=after != before,
        message=f"public port: {answer}; make status (exit {code}): {problems(said)}",
    )


def backend_killed(config: Path, model_name: str) -> Outcome:
    """The whole backend (daemon, arbiter, workers) SIGKILLed; ``make serve`` restores it."""
    return killed_then_served(
        config, model_name, tree(serving()), "the whole backend SIGKILLed", "no service answers ready"
    )


def front_door() -> List[psutil.Process]:
    master = frontdoor.master()
    return [master, *master.children()] if master is not None else []


def front_door_killed(config: Path, model_name: str) -> Outcome:
    """The front door (nginx's master and workers) SIGKILLed; ``make serve`` starts it again in front of the
    backend that still runs, without a new one."""
    return killed_then_served(
        config, model_name, front_door(), "the front door SIGKILLed", "no front door runs", same_backend=True
    )


def everything_killed(config: Path, model_name: str) -> Outcome:
    """Every serving process SIGKILLed at once, as a machine restart leaves them: pid files stay behind."""
    return killed_then_served(
        config,
        model_name,
        [*front_door(), *tree(serving())],
        "every serving process SIGKILLed at once (a machine restart)",
        "no front door runs",
    )


def deploy_killed(config: Path, model_name: str, log: Path) -> Outcome:
    """``make serve`` SIGKILLed once its new backend listens, before the switch: the old version goes on
    serving, ``make status`` names the orphan, the next ``make serve`` stops it and serves."""
    old = serving()
    port = frontdoor.serving_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, str(ROOT / "run.py"), "--config", str(config)]
    # On the stack this process deploys with, whatever another process or test made the store's default.
    environment = {**os.environ, "ZENML_ACTIVE_STACK_ID": str(Client().active_stack_model.id)}
    deploying = processes.start(command, log, environment, cwd=ROOT)
    try:
        with traffic(url) as responses:

            def new_backend_listens() -> bool:
                # ZenML's records read as they are: a lookup through the deployer deletes a record without a
                # source, which a starting service had before zenml_fixes' change 6.
                records = Client().list_services(
                    pipeline_name=DEPLOYMENT_PIPELINE, pipeline_step_name=DEPLOY_STEP, hydrate=True
                )
                new = [r for r in records.items if r.id != old.uuid and r.service_source]
                return bool(new) and processes.port_holder(new[0].config["port"]) is not None

            wait_for("the new backend of the deploy to listen", new_backend_listens, deploying, timeout=600)
            os.killpg(deploying.pid, signal.SIGKILL)
            answered(responses, 20, Watching(str(frontdoor.state_dir() / "error.log")))
    finally:
        processes.stop(deploying)
    orphan = next(s for s in services() if s.uuid != old.uuid)
    orphan_processes = tree(orphan)
    still_served = served_version() == old.config.model_version and frontdoor.routed_backend(port) == old.config.port
    code, said = status()
    recovery = serve(config)
    healthy, _ = status()
    # The next deploy takes the orphan's port (the front door's standby port) itself: what must be gone is the
    # orphan's processes.
    left = [p.pid for p in orphan_processes if alive(p)]
    failed = failures(responses)
    return Outcome(
        "the deploy SIGKILLed between the new backend's start and the switch",
        held=not failed and still_served and code == 1 and healthy == 0 and not left and len(services()) == 1,
        failed_requests=len(failed),
        recovery_s=recovery,
        lost=served_version() != old.config.model_version,
        message=f"make status (exit {code}): {problems(said)}"
        + (f"; the orphan's processes {left} still run" if left else ""),
    )


@contextmanager
def damaged(uri: str, how: str) -> Iterator[None]:
    """The artifact at ``uri`` (a folder of the local artifact store) ``missing`` or ``corrupt`` (every file
    overwritten with bytes no loader accepts) until the block ends; then put back as it was."""
    folder = Path(uri)
    backup = folder.with_name(folder.name + ".fault-backup")
    shutil.copytree(folder, backup)
    try:
        if how == "missing":
            shutil.rmtree(folder)
        else:
            for path in folder.rglob("*"):
                if path.is_file():
                    path.write_bytes(b"\x00not what was saved\xff" * 8)
        yield
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        backup.rename(folder)


def artifact_damaged(config: Path, model_name: str, how: str) -> Outcome:
    """The production version's model artifact ``missing`` or ``corrupt`` when ``make serve`` redeploys it:
    refused before any switch, naming the artifact, while the old service answers every request."""
    old = serving()
    url = f"http://127.0.0.1:{frontdoor.serving_port()}"
    artifact = production_version(model_name).get_artifact("model")
    error = ""
    with damaged(artifact.uri, how), traffic(url) as responses:
        answered(responses, 20, Watching(str(frontdoor.state_dir() / "error.log")))
        try:
            serve(config)
        except Exception as raised:  # the refusal is the row's point: quoted, never hidden
            error = str(raised)
        answered(responses, 20, Watching(str(frontdoor.state_dir() / "error.log")))
    code, _ = status()
    failed = failures(responses)
    return Outcome(
        f"the model artifact {how} when deploying",
        held=bool(error) and artifact.uri in error and not failed and code == 0 and serving().uuid == old.uuid,
        failed_requests=len(failed),
        recovery_s=0.0,
        lost=False,
        message=first_line(error),
    )


@contextmanager
def small_disk(path: Path, size_kb: int) -> Iterator[Path]:
    """A tmpfs of ``size_kb`` mounted at ``path`` (root only) until the block ends, then unmounted."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)


@contextmanager
def stack_storing_in(path: Path, name: str = "fault-small-disk") -> Iterator[None]:
    """The active stack with its artifact store replaced by a local one at ``path``, active until the block
    ends; then the stack before is active again and this one and its store are deleted."""
    client = Client()
    before = client.active_stack_model
    (orchestrator,) = before.components[StackComponentType.ORCHESTRATOR]
    client.create_stack_component(name, "local", StackComponentType.ARTIFACT_STORE, {"path": str(path)})
    client.create_stack(
        name, components={StackComponentType.ORCHESTRATOR: orchestrator.name, StackComponentType.ARTIFACT_STORE: name}
    )
    client.activate_stack(name)
    try:
        yield
    finally:
        client.activate_stack(before.id)
        client.delete_stack(name)
        client.delete_stack_component(name, StackComponentType.ARTIFACT_STORE)


def disk_full(config: Path, model_name: str, mount: Path, size_kb: int) -> Outcome:
    """A training run whose artifact store's filesystem (a tmpfs of ``size_kb``) fills up: the run fails
    naming the disk, production stays; with room again, a re-run completes and re-runs the step that failed."""
    before = production(model_name)
    error = ""
    with small_disk(mount, size_kb), stack_storing_in(mount):
        try:
            run_pipeline(config)
        except Exception as raised:  # the failure is the row's point: quoted, never hidden
            error = f"{type(raised).__name__}: {raised}"
        failed_run = Client().get_pipeline(TRAINING_PIPELINE).last_run
        after_failure = production(model_name)
        failed_steps = [name for name, step in failed_run.steps.items() if step.status == ExecutionStatus.FAILED]
        subprocess.run(["mount", "-o", "remount,size=256m", str(mount)], check=True)
        started = time.monotonic()
        run_pipeline(config)
        recovery = round(time.monotonic() - started, 1)
        rerun = Client().get_pipeline(TRAINING_PIPELINE).last_run
        rerun_of_failed = [rerun.steps[name].status for name in failed_steps if name in rerun.steps]
    return Outcome(
        "the local artifact store's filesystem full during a training run",
        held=bool(error)
        and str(mount) in error
        and after_failure == before
        and failed_run.status == ExecutionStatus.FAILED
        and rerun.status == ExecutionStatus.COMPLETED
        and rerun_of_failed == [ExecutionStatus.COMPLETED] * len(failed_steps) != [],
        failed_requests=0,
        recovery_s=recovery,
        lost=after_failure != before,
        message=first_line(error),
    )

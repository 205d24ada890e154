"""Faults injected for real into the locally served model and into a stack's services, each as one row: what
the user saw, what the system did on its own, and whether what the issue promises held.

One place for every caller: ``tests/test_faults.py`` runs each serving row on its own model and free port and
asserts on the row and on the system afterwards; ``benchmarks/faults.py`` runs them on a model of its own
in a throw-away ZenML store and prints the table; ``tests/remote/docker_flow.py`` fails the container world's
server and store during a ``docker``-stack run. Nothing here is simulated: processes are SIGKILLed or stopped,
the deploy command is killed mid-way, artifact files are removed or overwritten (and put back), a disk fills, a
port refuses. Every wait goes through :func:`supervisor.processes.wait_ready`, so it ends with its cause.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, NamedTuple, Optional, Tuple

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
from serving.traffic import Response, traffic, until_answered
from stacks import zenml_server
from stacks.containers import state
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
            if WORKER in process.cmdline() and alive(process):
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


def worker_killed(url: str, threads: int = 8, rate: Optional[float] = None) -> Outcome:
    """One serving worker SIGKILLed under load (each client's ``rate``: :func:`serving.traffic.traffic`): the
    others go on answering, the arbiter starts a new one."""
    service = serving()
    before = workers(service)
    daemon = processes.LogOnly(Path(service.status.log_file))
    with traffic(url, threads=threads, rate=rate) as responses:
        until_answered(responses, 50, daemon)
        sigkill([before[0]])
        gone = before[0].pid
        recovery = wait_for(
            "a new worker in place of the killed one",
            lambda: len(workers(service)) == len(before) and gone not in {w.pid for w in workers(service)},
            daemon,
        )
        until_answered(responses, 50, daemon)
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


def deploy_killed(config: Path, model_name: str, log: Path, rate: Optional[float] = None) -> Outcome:
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
        with traffic(url, rate=rate) as responses:

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
            until_answered(responses, 20, processes.LogOnly(frontdoor.state_dir() / "error.log"))
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


def artifact_damaged(config: Path, model_name: str, how: str, rate: Optional[float] = None) -> Outcome:
    """The production version's model artifact ``missing`` or ``corrupt`` when ``make serve`` redeploys it:
    refused before any switch, naming the artifact, while the old service answers every request."""
    old = serving()
    url = f"http://127.0.0.1:{frontdoor.serving_port()}"
    artifact = production_version(model_name).get_artifact("model")
    error = ""
    with damaged(artifact.uri, how), traffic(url, rate=rate) as responses:
        until_answered(responses, 20, processes.LogOnly(frontdoor.state_dir() / "error.log"))
        try:
            serve(config)
        except Exception as raised:  # the refusal is the row's point: quoted, never hidden
            error = str(raised)
        until_answered(responses, 20, processes.LogOnly(frontdoor.state_dir() / "error.log"))
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
def stack_with(name: str, replaced: Dict[StackComponentType, Tuple[str, Dict[str, Any]]]) -> Iterator[None]:
    """The active stack with the components of ``replaced`` (type -> flavor, configuration) made new under
    ``name``, active until the block ends; then the stack before is active again, and this one and its new
    components are deleted."""
    client = Client()
    before = client.active_stack_model
    components = {kind: found[0].name for kind, found in before.components.items()}
    made: List[StackComponentType] = []
    stack_made = False
    try:
        for kind, (flavor, configuration) in replaced.items():
            client.create_stack_component(name, flavor, kind, configuration)
            made.append(kind)
            components[kind] = name
        client.create_stack(name, components=components)
        stack_made = True
        client.activate_stack(name)
        yield
    finally:
        client.activate_stack(before.id)
        if stack_made:
            client.delete_stack(name)
        for kind in made:
            client.delete_stack_component(name, kind)


def disk_full(config: Path, model_name: str, mount: Path, size_kb: int) -> Outcome:
    """A training run whose artifact store's filesystem (a tmpfs of ``size_kb``) fills up: the run fails
    naming the disk, production stays; with room again, a re-run completes and re-runs the step that failed."""
    before = production(model_name)
    error = ""
    store = {StackComponentType.ARTIFACT_STORE: ("local", {"path": str(mount)})}
    with small_disk(mount, size_kb), stack_with("fault-small-disk", store):
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


def registry_unreachable(config: Path) -> Outcome:
    """A run on a stack that builds its step image here and pushes it to a registry nothing answers at (a
    free port): refused in one line naming the registry, before any image is built or any step runs."""
    runs = Client().list_pipeline_runs(size=1).total
    port = processes.free_port()
    pushing_to = {
        StackComponentType.ORCHESTRATOR: ("local_docker", {}),
        StackComponentType.CONTAINER_REGISTRY: ("default", {"uri": f"127.0.0.1:{port}"}),
        StackComponentType.IMAGE_BUILDER: ("local", {}),
    }
    message = ""
    started = time.monotonic()
    with stack_with("fault-unreachable-registry", pushing_to):
        try:
            run_pipeline(config)
        except SystemExit as refused:
            message = str(refused.code)
    seconds = round(time.monotonic() - started, 1)
    no_run = Client().list_pipeline_runs(size=1).total == runs
    return Outcome(
        "the container registry unreachable at image push",
        held=f"127.0.0.1:{port}" in message and "\n" not in message and no_run,
        failed_requests=0,
        recovery_s=seconds,
        lost=False,
        message=message,
    )


#: How much of a faulted step's log a row keeps.
LOG_TAIL = 4000
#: A failing run's bound: the first step's container starts, its attempts fail and ZenML's client gives up on a
#: server after its own retries (about 30 s a request).
FAILING_RUN_TIMEOUT_S = 900


class FaultedRun(NamedTuple):
    """A run a stack service failed under, as the user and ZenML saw it."""

    message: str
    seconds: float
    #: Step name -> its step runs, as ZenML recorded them (a retried attempt is a step run of its own).
    attempts: Dict[str, int]
    #: The retries the faulted step's container logged.
    retries: int
    step_log: str
    production_before: Optional[str]
    production_after: Optional[str]


def step_containers(docker: Any, step: str) -> List[Any]:
    """The running containers of ``step`` (ZenML's step entrypoint, ``--step_name STEP``), the newest first."""
    found = []
    for container in docker.containers.list(filters={"status": "running"}):
        args = container.attrs.get("Args") or []
        if "--step_name" in args and args[args.index("--step_name") + 1 :][:1] == [step]:
            found.append(container)
    return sorted(found, key=lambda container: container.attrs["Created"], reverse=True)


def run_faulted(
    config: Path, model_name: str, docker: Any, step: str, fault: Callable[[], AbstractContextManager]
) -> FaultedRun:
    """A training run of ``config`` on a container stack, with ``fault`` injected once ``step``'s container
    runs and lifted once the run has failed: the message the user saw, and what ZenML recorded.

    The run ignores the cache (``--no-cache``): ``step`` must run, and of a config that has run before,
    ZenML would take it from the cache without starting its container."""
    before = production(model_name)
    errors: List[str] = []

    def run() -> None:
        try:
            run_pipeline(config, no_cache=True)
            errors.append("")
        except Exception as error:  # the failure is the row's point: quoted, never hidden
            errors.append(f"{type(error).__name__}: {error}")

    thread = threading.Thread(target=run, name="faulted-run", daemon=True)
    thread.start()
    in_this_process = processes.LogOnly()

    hit: List[Any] = []  # the container the fault is injected into

    def started_or_ended() -> bool:
        hit[:] = step_containers(docker, step)[:1]
        return bool(hit) or not thread.is_alive()

    wait_for(f"the container of step {step}", started_or_ended, in_this_process, timeout=600)
    if not hit:
        raise RuntimeError(f"the run ended before step {step} started, so no fault was injected: {errors[:1]}")
    (container,) = hit
    with fault():
        started = time.monotonic()
        wait_for("the faulted run to end", lambda: not thread.is_alive(), in_this_process, FAILING_RUN_TIMEOUT_S)
        seconds = round(time.monotonic() - started, 1)
    last = Client().get_pipeline(TRAINING_PIPELINE).last_run
    steps = Client().list_run_steps(pipeline_run_id=last.id, exclude_retried=False, size=100).items
    attempts = Counter(attempt.name for attempt in steps)
    step_log = container.logs().decode(errors="replace")
    return FaultedRun(
        errors[0] if errors else "",
        seconds,
        dict(attempts),
        step_log.count(f"before retrying step `{step}`"),
        step_log[-LOG_TAIL:],
        before,
        production(model_name),
    )


@contextmanager
def port_refused(port: int) -> Iterator[None]:
    """Connections to ``port`` refused at once (an iptables rule, root only) until the block ends. The service
    behind it runs on and keeps what it holds, as a store behind a network outage does."""
    if os.geteuid() != 0 or shutil.which("iptables") is None:
        raise RuntimeError("refusing a port needs root and iptables (Debian: apt-get install iptables)")
    rule = ["INPUT", "-p", "tcp", "--dport", str(port), "-j", "REJECT", "--reject-with", "tcp-reset"]
    rule += ["-m", "comment", "--comment", "review-classifier fault injection"]  # found by name if ever left
    subprocess.run(["iptables", "-I", *rule], check=True)
    try:
        yield
    finally:
        removed = subprocess.run(["iptables", "-D", *rule], capture_output=True, text=True)
        if removed.returncode != 0:
            print(f"warning: the iptables rule refusing port {port} was not removed: {removed.stderr.strip()}")


@contextmanager
def server_stopped(state_dir: Path) -> Iterator[None]:
    """The container world's ZenML server stopped until the block ends, then started again on its port with its
    database, and recorded in the world's state so that ``make stop-containers`` stops the new process."""
    with state.locked(state_dir):
        world = state.load(state_dir)
        server = world.started.pop("zenml-server")
        processes.stop(server)
        state.save(state_dir, world)
    try:
        yield
    finally:
        with state.locked(state_dir):
            world = state.load(state_dir)
            port = int(world.zenml_url.rsplit(":", 1)[1])
            world.started["zenml-server"] = zenml_server.start_server(
                Path(server.log).parent, port, world.zenml_password
            )
            state.save(state_dir, world)


def recovered(fault: str, faulted: FaultedRun, names: str, rerun_status: str, rerun_s: float, cached: int) -> Outcome:
    """The row of a run a service failed under (:func:`run_faulted`), once the service answers again and a re-run
    of the same config took ``rerun_s``: the message must name ``names`` (the service), production must be
    unchanged, and the re-run must complete, reusing ``cached`` steps from the cache."""
    return Outcome(
        fault,
        held=names in faulted.message
        and faulted.production_after == faulted.production_before
        and rerun_status == ExecutionStatus.COMPLETED.value
        and cached > 0,
        failed_requests=0,
        recovery_s=rerun_s,
        lost=faulted.production_after != faulted.production_before,
        message=first_line(faulted.message),
    )

"""Run a compiled Kubeflow Pipelines spec with Docker, each task as Kubeflow would start its pod.

``tasks`` reads the KFP IR YAML that ZenML's Kubeflow orchestrator writes; ``run`` starts
every task once all it depends on has completed, independent tasks at once as Kubeflow
schedules them, with the task's own image (pulled from its registry), command,
arguments, environment and CPU/memory limits, on the host network, and fails naming the task
and quoting its log. The KFP launcher's one runtime placeholder in ZenML's specs,
``{{$.pipeline_job_name}}``, gets one job name for the whole run (the ZenML step
entrypoint derives the run from it, so every task joins the same run). What stays
Kubernetes' own: pod scheduling, the launcher's artifact passing (ZenML's steps pass
artifacts through the artifact store, not KFP's), and ``retryPolicy`` (ZenML retries
inside the step's container).
"""

from __future__ import annotations

import os
import re
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from graphlib import TopologicalSorter
from typing import Any, Dict, List, NamedTuple, Optional

import docker

JOB_NAME = "{{$.pipeline_job_name}}"
_PLACEHOLDER = re.compile(r"\{\{\$[^}]*\}\}")
#: How long one task may run; the training step on 2 cores takes a few minutes.
TASK_TIMEOUT = 1800
LOG_TAIL = 4000


class Task(NamedTuple):
    step: str  # the ZenML step (KFP renames tasks: quality_gate -> quality-gate)
    upstream: List[str]
    container: Dict[str, Any]


class TaskRun(NamedTuple):
    log: str
    started: float  # time.monotonic() when its container was started
    finished: float  # ... and when it had exited


class TaskFailed(RuntimeError):
    """A task's container exited non-zero or did not finish; the message has its log."""


def tasks(spec: Dict[str, Any]) -> Dict[str, Task]:
    """ZenML step name -> its task, from a KFP IR pipeline spec."""
    containers, step_of = {}, {}
    for task_name, task in spec["root"]["dag"]["tasks"].items():
        executor = spec["components"][task["componentRef"]["name"]]["executorLabel"]
        container = spec["deploymentSpec"]["executors"][executor]["container"]
        step_of[task_name] = container["args"][container["args"].index("--step_name") + 1]
        containers[task_name] = container
    return {
        step_of[name]: Task(step_of[name], sorted(step_of[d] for d in task.get("dependentTasks", [])), containers[name])
        for name, task in spec["root"]["dag"]["tasks"].items()
    }


def substitute(value: str, job_name: str) -> str:
    """Fill the launcher's placeholders; one this runner does not know is an error, never passed on raw."""
    value = value.replace(JOB_NAME, job_name)
    unknown = _PLACEHOLDER.findall(value)
    if unknown:
        raise ValueError(f"KFP placeholder(s) {unknown} in {value!r}: the local runner fills only {JOB_NAME}")
    return value


def run_arguments(task: Task, job_name: str) -> Dict[str, Any]:
    """Keyword arguments of ``docker.containers.run`` that start ``task`` as its pod would start."""
    container = task.container
    environment = {e["name"]: substitute(e["value"], job_name) for e in container.get("env", [])}
    resources = container.get("resources", {})
    limits: Dict[str, Any] = {}
    if "resourceMemoryLimit" in resources:
        # KFP writes e.g. "2G" (ZenML's "2GB" less the B) or "8Gi"; Docker reads "2g".
        limits["mem_limit"] = resources["resourceMemoryLimit"].lower().removesuffix("i")
    if "resourceCpuLimit" in resources:
        # A cluster node has the cores a limit names; this machine may have fewer, and Docker
        # refuses a limit above the host's count, so the limit is capped there.
        cpus = min(float(resources["resourceCpuLimit"]), float(os.cpu_count() or 1))
        limits["nano_cpus"] = int(cpus * 1e9)
    return {
        "image": container["image"],
        "entrypoint": [substitute(c, job_name) for c in container["command"]],
        "command": [substitute(a, job_name) for a in container.get("args", [])],
        "environment": environment,
        "network_mode": "host",
        **limits,
    }


def run_task(client: docker.DockerClient, task: Task, job_name: str, timeout: float = TASK_TIMEOUT) -> TaskRun:
    """Start one task's container, wait for it, remove it (also on failure or timeout); its log and times."""
    started = time.monotonic()
    container = client.containers.run(
        name=f"kfp-{job_name}-{task.step}".replace("_", "-"), detach=True, **run_arguments(task, job_name)
    )
    try:
        try:
            exit_code = container.wait(timeout=timeout)["StatusCode"]
            finished = time.monotonic()
        except Exception as error:  # requests' ReadTimeout, or the daemon went away
            raise TaskFailed(f"task {task.step} did not finish within {timeout:.0f} s ({error})") from error
        log = container.logs().decode(errors="replace")
        if exit_code != 0:
            raise TaskFailed(f"task {task.step} exited with code {exit_code}:\n{log[-LOG_TAIL:]}")
        return TaskRun(log, started, finished)
    finally:
        container.remove(force=True)


def run(spec: Dict[str, Any], job_name: str, client: Optional[docker.DockerClient] = None) -> Dict[str, TaskRun]:
    """Every task of ``spec``, each started as soon as its upstream tasks completed; step -> its run, in
    the order they completed.

    Each distinct image is pulled first, as a node without it would: the spec's image must
    be in its registry, not merely on this host. After a failure no further task starts; the
    failure is raised once the tasks already running have ended.
    """
    client = client or docker.from_env()
    found = tasks(spec)
    for image in sorted({task.container["image"] for task in found.values()}):
        client.images.pull(image)
    graph = TopologicalSorter({name: task.upstream for name, task in found.items()})
    graph.prepare()
    runs: Dict[str, TaskRun] = {}
    with ThreadPoolExecutor(max_workers=len(found)) as pool:
        running: Dict[Future, str] = {}
        while graph.is_active():
            for step in graph.get_ready():
                running[pool.submit(run_task, client, found[step], job_name)] = step
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                step = running.pop(future)
                runs[step] = future.result()
                graph.done(step)
    return runs

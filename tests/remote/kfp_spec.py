"""Read a compiled Kubeflow Pipelines spec: which task runs which ZenML step, after which, in what container.

``tasks`` reads the KFP IR YAML that ZenML's Kubeflow orchestrator writes (tests/test_stacks.py
checks it against the pipeline's edges, images and limits).
"""

from __future__ import annotations

from typing import Any, Dict, List, NamedTuple


class Task(NamedTuple):
    step: str  # the ZenML step (KFP renames tasks: quality_gate -> quality-gate)
    upstream: List[str]
    container: Dict[str, Any]


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

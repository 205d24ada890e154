"""Orchestrator flavor ``kubeflow_resources``: ZenML's Kubeflow orchestrator with memory limits that compile.

Symptom: on the ``kubeflow`` stack, any step with ``ResourceSettings(memory=...)`` (every
step of ``configs/kubeflow.yaml``) stops the run before submission, in KFP's compiler:
``TypeError: expected string or bytes-like object, got 'float'``.

Versions checked (site-packages): ZenML 0.98.0 (``zenml.integrations.kubeflow``) with
kfp 2.16.1.

What it changes, and nothing else: ``_configure_container_resources`` hands KFP's
``set_memory_limit`` the memory as the string it accepts (``"4GB"`` -> ``"4G"``,
``"512MiB"`` -> ``"512Mi"``) instead of stock's float of GB (``4.0``). CPU, GPU and node
selectors are the stock code's.

Delete when ``tests/test_zenml_fixes.py`` reports the stock orchestrator fixed; then set
``flavor: kubeflow`` in ``stacks/kubeflow.yaml`` and drop ``kubeflow_resources`` from
``stacks/register.py``.
"""

from __future__ import annotations

from typing import Optional, Tuple, Type

from kfp import dsl
from zenml.config import ResourceSettings
from zenml.integrations.kubeflow.flavors import KubeflowOrchestratorFlavor
from zenml.integrations.kubeflow.orchestrators import KubeflowOrchestrator


class ResourceAwareKubeflowOrchestrator(KubeflowOrchestrator):
    """Passes the memory limit to KFP in the string form it accepts."""

    def _configure_container_resources(
        self,
        dynamic_component: dsl.PipelineTask,
        resource_settings: ResourceSettings,
        node_selector_constraint: Optional[Tuple[str, str]] = None,
    ) -> dsl.PipelineTask:
        memory = resource_settings.memory
        task = super()._configure_container_resources(
            dynamic_component, resource_settings.model_copy(update={"memory": None}), node_selector_constraint
        )
        # "4GB" -> "4G", "512MiB" -> "512Mi": the Kubernetes quantity suffixes.
        return task.set_memory_limit(memory[:-1]) if memory else task


class ResourceAwareKubeflowOrchestratorFlavor(KubeflowOrchestratorFlavor):
    """Flavor ``kubeflow_resources``, selected by ``stacks/kubeflow.yaml``."""

    @property
    def name(self) -> str:
        return "kubeflow_resources"

    @property
    def implementation_class(self) -> Type[ResourceAwareKubeflowOrchestrator]:
        return ResourceAwareKubeflowOrchestrator

"""The Kubeflow orchestrator with step memory limits that compile.

ZenML 0.98's Kubeflow orchestrator hands KFP the memory of ``ResourceSettings``
as a float of GB, and KFP's ``set_memory_limit`` only takes a string such as
``"4G"``, so any step with a memory setting breaks compilation. This flavor is
the stock one with that single method corrected; everything else is inherited.
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
    """Registered as ``kubeflow_resources`` by ``stacks/register.py``."""

    @property
    def name(self) -> str:
        return "kubeflow_resources"

    @property
    def implementation_class(self) -> Type[ResourceAwareKubeflowOrchestrator]:
        return ResourceAwareKubeflowOrchestrator

"""Where the deployment pipeline serves on the remote stacks, and how: settings a run config sets.

Serve where you train: on a stack whose orchestrator is Kubeflow the Bento image runs on that
cluster (a Deployment and a Service), on a Vertex AI stack on a Vertex AI endpoint. The settings
live here, apart from the code that applies them, so ``python run.py params`` documents them
without importing ZenML, Kubernetes or the Vertex SDK.
"""

from __future__ import annotations

from typing import Dict, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

KUBERNETES = "kubernetes"
VERTEX = "vertex"
#: Orchestrator flavor -> where the deployment pipeline serves on that stack (the stacks in stacks/).
TARGET_OF_ORCHESTRATOR: Dict[str, str] = {"kubeflow": KUBERNETES, "kubeflow_resources": KUBERNETES, "vertex": VERTEX}

#: A Kubernetes object name (RFC 1123 label), also a Vertex display name here.
_NAME = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
#: A Kubernetes CPU or memory quantity, e.g. ``500m``, ``2``, ``3Gi``.
_QUANTITY = r"^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$"


class KubernetesServing(BaseModel):
    """The Bento image on Kubeflow's cluster: one Deployment and one Service (stack ``kubeflow``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("review-classifier", pattern=_NAME, max_length=63, description="Deployment and Service name.")
    namespace: str = Field("review-classifier", pattern=_NAME, max_length=63, description="Namespace (must exist).")
    context: Optional[str] = Field(
        None,
        description="kubectl context of the cluster when the orchestrator has no Kubernetes connector; "
        "unset: the image builder's (KUBE_CONTEXT), else the current one.",
    )
    replicas: int = Field(2, ge=1, description="Pods serving at once; a rolling update never has fewer ready.")
    cpu_request: str = Field(
        "1", pattern=_QUANTITY, description="CPU each pod is guaranteed (its worker count, unless `workers` sets one)."
    )
    cpu_limit: str = Field("2", pattern=_QUANTITY, description="Most CPU a pod may use.")
    memory_request: str = Field("2Gi", pattern=_QUANTITY, description="Memory each pod is guaranteed.")
    memory_limit: str = Field("3Gi", pattern=_QUANTITY, description="Memory beyond which a pod is killed.")
    service_type: Literal["ClusterIP", "NodePort", "LoadBalancer"] = Field(
        "ClusterIP", description="How the Service is reached: in-cluster only, a node port, or a load balancer."
    )
    image_pull_secret: Optional[str] = Field(None, description="Secret to pull the image from a private registry.")
    timeout: int = Field(900, gt=0, description="Seconds the rollout has to make every new pod ready.")


class VertexServing(BaseModel):
    """The Bento image as a Vertex AI Model deployed to an Endpoint (stack ``vertex``; its project and region)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    endpoint: str = Field(
        "review-classifier", pattern=_NAME, max_length=128, description="Endpoint display name; created if missing."
    )
    machine_type: str = Field("n1-standard-2", description="Machine of each serving node.")
    min_replicas: int = Field(1, ge=1, description="Nodes always serving.")
    max_replicas: int = Field(2, ge=1, description="Most nodes under load (autoscaling).")
    service_account: Optional[str] = Field(None, description="Service account the serving container runs as.")
    timeout: int = Field(1800, gt=0, description="Seconds the upload and the deployment may take.")

"""The deploy steps' clients, up to the cloud call: which cluster the Kubernetes client talks to, and what the
Vertex SDK is asked to do, in which order, and what a failed deployment leaves.

No cluster and no Google Cloud project are reachable here. The Kubernetes client is the real one, built
from a kubeconfig file (it connects only when called); the Vertex SDK is replaced at its module boundary
by a recorder, and the arguments the project sends are bound to the real SDK's signatures.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from types import SimpleNamespace
from typing import Any, List, Optional

import pytest
import yaml
from kubernetes.config import kube_config

from review_classifier.serving_targets import KubernetesServing, VertexServing
from stacks.cloud_serving import VERTEX_PORT, deploy_endpoint, endpoint_spec, kubernetes_api_client

IMAGE = "europe-west4-docker.pkg.dev/example-project/zenml/review_classifier@sha256:" + "1" * 64


def kubeconfig(path: Path) -> Path:
    """Two clusters, ``builder`` (the image builder's context) and ``other`` (the current one)."""
    clusters = {"builder": "https://builder.example.com:6443", "other": "https://other.example.com:6443"}
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "other",
                "clusters": [{"name": n, "cluster": {"server": url}} for n, url in clusters.items()],
                "users": [{"name": "u", "user": {"token": "t"}}],
                "contexts": [{"name": n, "context": {"cluster": n, "user": "u"}} for n in clusters],
            }
        )
    )
    return path


def in_kubeconfig(monkeypatch: pytest.MonkeyPatch, directory: Path) -> None:
    """The kubeconfig the client reads by default (``$KUBECONFIG``, which it reads when it is imported)."""
    monkeypatch.setattr(kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(kubeconfig(directory / "config")))


def stack(builder_context: Optional[str], connector: Any = None) -> SimpleNamespace:
    """ZenML's Stack as the client code reads it: the orchestrator's connector, the image builder's context."""
    builder = SimpleNamespace(config=SimpleNamespace(kubernetes_context=builder_context)) if builder_context else None
    return SimpleNamespace(orchestrator=SimpleNamespace(get_connector=lambda: connector), image_builder=builder)


@pytest.mark.parametrize(
    "settings_context, builder_context, host",
    [
        (None, "builder", "https://builder.example.com:6443"),
        ("other", "builder", "https://other.example.com:6443"),
        (None, None, "https://other.example.com:6443"),
    ],
    ids=["image-builder-context", "settings-context", "current-context"],
)
def test_the_cluster_is_the_stack_s(tmp_path, monkeypatch, settings_context, builder_context, host) -> None:
    in_kubeconfig(monkeypatch, tmp_path)
    client = kubernetes_api_client(stack(builder_context), KubernetesServing(context=settings_context))
    assert client.configuration.host == host


def test_a_linked_connector_wins(tmp_path, monkeypatch) -> None:
    in_kubeconfig(monkeypatch, tmp_path)
    connected = object()
    connector = SimpleNamespace(connect=lambda: connected)
    assert kubernetes_api_client(stack("builder", connector), KubernetesServing(context="other")) is connected


SERVING = VertexServing(service_account="serving@p.iam.gserviceaccount.com")
SPEC = endpoint_spec(SERVING, IMAGE, "review_classifier", "5", "b:1")


def test_the_spec_leaves_routes_and_command_to_vertex_and_the_image() -> None:
    model = SPEC["model"]
    assert model["serving_container_image_uri"] == IMAGE and model["serving_container_ports"] == [VERTEX_PORT] == [8080]
    assert not {"serving_container_predict_route", "serving_container_health_route"} & model.keys()
    assert not {"serving_container_command", "serving_container_args"} & model.keys()
    assert model["labels"] == {"zenml_model": "review_classifier", "zenml_model_version": "5"}
    deployment = SPEC["deployment"]
    assert deployment["traffic_percentage"] == 100 and deployment["service_account"].startswith("serving@")
    assert (deployment["min_replica_count"], deployment["max_replica_count"]) == (1, 2)


def test_the_spec_binds_to_the_real_sdk() -> None:
    """Every argument is one the installed Vertex SDK's Model.upload / Model.deploy take."""
    from google.cloud import aiplatform  # seconds to import: not at collection

    inspect.signature(aiplatform.Model.upload).bind(**SPEC["model"])
    inspect.signature(aiplatform.Model.deploy).bind(object(), endpoint=object(), **SPEC["deployment"])


class Recorder:
    """The Vertex SDK at its boundary: records the calls; an endpoint keeps its deployed models."""

    def __init__(self, deployed: List[str], fail_deploy: bool = False) -> None:
        self.calls: List[tuple] = []
        self.endpoints: List[SimpleNamespace] = []
        record, endpoints = self.calls, self.endpoints

        def make_endpoint(display_name: str) -> SimpleNamespace:
            endpoint = SimpleNamespace(
                resource_name=f"projects/p/locations/l/endpoints/{len(endpoints) + 1}",
                deployed=list(deployed),
            )
            endpoint.list_models = lambda: [SimpleNamespace(id=i) for i in endpoint.deployed]
            endpoint.undeploy = lambda deployed_model_id: (
                record.append(("undeploy", deployed_model_id)),
                endpoint.deployed.remove(deployed_model_id),
            )
            endpoints.append(endpoint)
            return endpoint

        def upload(**kwargs) -> SimpleNamespace:
            record.append(("upload", kwargs))
            model = SimpleNamespace(resource_name="projects/p/locations/l/models/9")

            def deploy(endpoint, **deployment) -> None:
                record.append(("deploy", endpoint.resource_name, deployment))
                if fail_deploy:
                    raise RuntimeError("Deployment failed: the container did not answer its health route")
                endpoint.deployed.append("new")

            model.deploy = deploy
            return model

        self.init = lambda **kwargs: record.append(("init", kwargs))
        self.Endpoint = SimpleNamespace(
            list=lambda filter: record.append(("list", filter)) or list(endpoints),
            create=lambda display_name: record.append(("create", display_name)) or make_endpoint(display_name),
        )
        self.Model = SimpleNamespace(upload=upload)


def test_a_first_deploy_creates_the_endpoint_and_uploads_then_deploys() -> None:
    sdk = Recorder(deployed=[])
    names = deploy_endpoint(SPEC, project="p", location="europe-west4", credentials="creds", sdk=sdk)
    assert sdk.calls == [
        ("init", {"project": "p", "location": "europe-west4", "credentials": "creds"}),
        ("list", 'display_name="review-classifier"'),
        ("create", "review-classifier"),
        ("upload", SPEC["model"]),
        ("deploy", "projects/p/locations/l/endpoints/1", SPEC["deployment"]),
    ]
    assert names == {
        "endpoint": "projects/p/locations/l/endpoints/1",
        "model": "projects/p/locations/l/models/9",
        "replaced": [],
    }


def test_a_redeploy_reuses_the_endpoint_and_undeploys_the_old_model_only_after() -> None:
    sdk = Recorder(deployed=["old"])
    sdk.Endpoint.create("review-classifier")
    sdk.calls.clear()
    names = deploy_endpoint(SPEC, project="p", location="l", credentials=None, sdk=sdk)
    assert [c[0] for c in sdk.calls] == ["init", "list", "upload", "deploy", "undeploy"]
    assert sdk.calls[-1] == ("undeploy", "old") and names["replaced"] == ["old"]
    assert sdk.endpoints[0].deployed == ["new"]


def test_a_failed_deployment_leaves_the_serving_model_deployed() -> None:
    sdk = Recorder(deployed=["old"], fail_deploy=True)
    sdk.Endpoint.create("review-classifier")
    with pytest.raises(RuntimeError, match="did not answer its health route"):
        deploy_endpoint(SPEC, project="p", location="l", credentials=None, sdk=sdk)
    assert "undeploy" not in [c[0] for c in sdk.calls]
    assert sdk.endpoints[0].deployed == ["old"]

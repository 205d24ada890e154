"""The Kubernetes manifests of the served Bento: one template, valid against the Kubernetes API's own schemas
(offline, strict: no unknown field), and carrying the serving contract (probes, resources, a rolling update
that never has fewer ready replicas than wanted); and how the deploy applies them and undoes a failed rollout.

There is no cluster here: the applier (ZenML's ``KubernetesApplier``, whose every call is an API request)
is replaced at that boundary by a fake that keeps objects as the API server would.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Optional

import kubernetes_validate
import pydantic
import pytest

from review_classifier.serving_targets import KubernetesServing
from serving import kubernetes

IMAGE = "registry.example.com/ml/review_classifier@sha256:" + "0" * 64
#: The oldest and newest Kubernetes minor versions the validator ships schemas of, and one between.
VERSIONS = ["1.25.0", "1.31.0", kubernetes_validate.latest_version()]
CUSTOM = KubernetesServing(
    name="reviews",
    namespace="ml-serving",
    replicas=3,
    cpu_request="500m",
    cpu_limit="2",
    memory_request="1.5Gi",
    memory_limit="4Gi",
    service_type="LoadBalancer",
    image_pull_secret="registry-credentials",
    timeout=600,
)


def rendered(settings: KubernetesServing = KubernetesServing()) -> List[Dict[str, Any]]:
    return kubernetes.manifests(kubernetes.render(settings, IMAGE, "review_classifier", "3", "review_classifier:abc"))


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("settings", [KubernetesServing(), CUSTOM], ids=["defaults", "custom"])
def test_manifests_pass_the_kubernetes_schemas(settings: KubernetesServing, version: str) -> None:
    objects = rendered(settings)
    assert [o["kind"] for o in objects] == ["Deployment", "Service"]
    for manifest in objects:
        kubernetes_validate.validate(manifest, version, strict=True)


def test_the_validation_can_fail() -> None:
    deployment, _ = rendered()
    deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailabel"] = 0
    with pytest.raises(kubernetes_validate.ValidationError, match="maxUnavailabel"):
        kubernetes_validate.validate(deployment, VERSIONS[-1], strict=True)


def test_the_deployment_carries_the_serving_contract() -> None:
    deployment, service = rendered(CUSTOM)
    spec = deployment["spec"]
    assert spec["replicas"] == 3 and spec["progressDeadlineSeconds"] == 600
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
    pod = spec["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == IMAGE and container["args"] == ["serve", "--port", "3000"]
    assert pod["imagePullSecrets"] == [{"name": "registry-credentials"}]
    assert container["resources"] == {
        "requests": {"cpu": "500m", "memory": "1.5Gi"},
        "limits": {"cpu": "2", "memory": "4Gi"},
    }
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert (
        container["livenessProbe"]["httpGet"]
        == container["startupProbe"]["httpGet"]
        == {
            "path": "/livez",
            "port": "http",
        }
    )
    assert container["ports"] == [{"name": "http", "containerPort": 3000}]
    # The Deployment selects its own pods, the Service the same pods, on the container's named port.
    labels = spec["template"]["metadata"]["labels"]
    assert spec["selector"]["matchLabels"].items() <= labels.items()
    assert service["spec"]["selector"] == spec["selector"]["matchLabels"]
    assert service["spec"]["type"] == "LoadBalancer" and service["spec"]["ports"][0]["targetPort"] == "http"
    assert labels["zenml-model-version"] == "3"
    assert spec["template"]["metadata"]["annotations"]["review-classifier/bento"] == "review_classifier:abc"
    assert {o["metadata"]["namespace"] for o in (deployment, service)} == {"ml-serving"}


def test_without_a_pull_secret_the_pods_name_none() -> None:
    deployment, _ = rendered()
    assert "imagePullSecrets" not in deployment["spec"]["template"]["spec"]


@pytest.mark.parametrize(
    "field, value",
    [("cpu_limit", "two"), ("name", "Review_Classifier"), ("replicas", 0), ("service_type", "Ingress")],
)
def test_bad_settings_are_named(field: str, value: Any) -> None:
    with pytest.raises(pydantic.ValidationError, match=field):
        KubernetesServing(**{field: value})


class Resource:
    """What the dynamic client returns: an object with ``to_dict``."""

    def __init__(self, body: Dict[str, Any]) -> None:
        self.body = body

    def to_dict(self) -> Dict[str, Any]:
        return copy.deepcopy(self.body)


class FakeApplier:
    """ZenML's KubernetesApplier at the API boundary: applied objects are kept by kind and name; a rollout
    completes unless its pod template's image is in ``failing`` (pods never ready)."""

    def __init__(self, failing: tuple = ()) -> None:
        self.objects: Dict[tuple, Dict[str, Any]] = {}
        self.calls: List[tuple] = []
        self.failing = failing

    def get_resource(self, name: str, namespace: Optional[str], kind: str, api_version: str) -> Optional[Resource]:
        found = self.objects.get((kind, namespace, name))
        return Resource(found) if found else None

    def provision(self, objs, default_namespace, *, field_manager, force) -> None:
        self.calls.append(("provision", [o["kind"] for o in objs], default_namespace, field_manager, force))
        for o in objs:
            self.objects[(o["kind"], o["metadata"]["namespace"], o["metadata"]["name"])] = copy.deepcopy(o)

    def wait_for_deployment_ready(self, name: str, namespace: str, *, timeout: int) -> None:
        self.calls.append(("wait", name, namespace, timeout))
        image = self.objects[("Deployment", namespace, name)]["spec"]["template"]["spec"]["containers"][0]["image"]
        if image in self.failing:
            raise RuntimeError("Deployment rollout stuck: ProgressDeadlineExceeded")


def image_of(applier: FakeApplier) -> str:
    deployment = applier.objects[("Deployment", "review-classifier", "review-classifier")]
    return deployment["spec"]["template"]["spec"]["containers"][0]["image"]


def with_image(image: str) -> List[Dict[str, Any]]:
    return kubernetes.manifests(kubernetes.render(KubernetesServing(), image, "review_classifier", "4", "b:2"))


def test_apply_provisions_both_objects_then_waits_for_the_rollout() -> None:
    applier = FakeApplier()
    kubernetes.apply(applier, rendered(), timeout=900)
    assert applier.calls == [
        ("provision", ["Deployment", "Service"], "review-classifier", kubernetes.FIELD_MANAGER, True),
        ("wait", "review-classifier", "review-classifier", 900),
    ]
    assert image_of(applier) == IMAGE


def test_a_failed_rollout_puts_the_serving_pod_template_back() -> None:
    applier = FakeApplier(failing=("registry.example.com/ml/broken:1",))
    kubernetes.apply(applier, rendered(), timeout=900)
    with pytest.raises(RuntimeError, match="did not roll out .*ProgressDeadlineExceeded.*previous pods keep serving"):
        kubernetes.apply(applier, with_image("registry.example.com/ml/broken:1"), timeout=900)
    assert image_of(applier) == IMAGE
    assert applier.calls[-1] == ("provision", ["Deployment"], "review-classifier", kubernetes.FIELD_MANAGER, True)


def test_a_first_rollout_that_fails_says_nothing_served() -> None:
    applier = FakeApplier(failing=(IMAGE,))
    with pytest.raises(RuntimeError, match="nothing served before"):
        kubernetes.apply(applier, rendered(), timeout=900)

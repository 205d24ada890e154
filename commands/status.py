"""What serves, and whether every source agrees: ``python -m commands.status`` (``make status``).

Four witnesses are asked, and the answer is healthy only if they agree: the deployment record
(written by the deploy step), ZenML's model deployer (its tracked services), the front door
(which backend answers through it) and the service itself (``/info/metadata`` through the
front door), plus the Model Control Plane's production version. Exit code 0 if healthy or
nothing is deployed, 1 otherwise.
"""

from __future__ import annotations

import sys
from typing import Any, Dict, List, NamedTuple, Optional

from commands.quiet import quiet_process

quiet_process()

import httpx  # noqa: E402
from zenml.client import Client  # noqa: E402

from registry import deployed_services, production_version  # noqa: E402
from serving import frontdoor, record  # noqa: E402


class Service(NamedTuple):
    uuid: str
    port: int
    bento: str
    running: bool


def disagreements(
    deployment: Optional[record.Deployment],
    services: List[Service],
    routed: Optional[int],
    info: Optional[Dict[str, Any]],
    production: Optional[str],
) -> List[str]:
    """Each way the witnesses contradict each other, in words; empty when they agree."""
    if deployment is None:
        found = [f"ZenML tracks service {s.uuid} ({s.bento})" for s in services]
        return found + ([f"the front door forwards to port {routed}"] if routed is not None else [])
    problems = []
    service_id, backend = deployment["service_id"], deployment["backend_port"]
    if [s.uuid for s in services] != [service_id]:
        problems.append(f"ZenML tracks services {[s.uuid for s in services]}, the record names {service_id}")
    for service in services:
        if service.uuid == service_id and not service.running:
            problems.append(f"ZenML's service {service.uuid} is not running")
        if service.uuid == service_id and service.port != backend:
            problems.append(f"ZenML's service listens on port {service.port}, the record says {backend}")
    if routed is None:
        problems.append("no service answers ready through the front door")
    elif routed != backend:
        problems.append(f"the front door forwards to port {routed}, the record says {backend}")
    served = None if info is None else (info["model_name"], info["model_version"], info["bento_model"])
    recorded = (deployment["model"], deployment["version"], deployment["bento_model"])
    if served != recorded:
        problems.append(f"the service says it serves {served}, the record says {recorded}")
    if production != deployment["version"]:
        problems.append(f"the production version is {production}, the served one {deployment['version']}")
    return problems


def metadata(url: str) -> Optional[Dict[str, Any]]:
    try:
        return httpx.get(url + "/info/metadata", timeout=10).raise_for_status().json()
    except httpx.HTTPError:
        return None


def main() -> int:
    deployment = record.read()
    deployer = Client().active_stack.model_deployer
    found = deployed_services(deployer)
    services = [Service(str(s.uuid), s.config.port, s.config.bento_tag, s.is_running) for s in found]
    port = frontdoor.serving_port()
    routed = frontdoor.routed_backend(port) if port is not None else None
    info = metadata(f"http://127.0.0.1:{port}") if routed is not None else None
    production = None
    if deployment is not None:
        version = production_version(deployment["model"])
        production = str(version.number) if version else None
    problems = disagreements(deployment, services, routed, info, production)
    if deployment is None:
        print("nothing is deployed" + ("" if not problems else "; but:"))
    else:
        print(f"{deployment['model']} version {deployment['version']} serves at {deployment['url']}/predict")
        print(f"  since {deployment['since']}; Bento {deployment['bento']}, BentoML model {deployment['bento_model']}")
        print(f"  backend 127.0.0.1:{deployment['backend_port']}, ZenML service {deployment['service_id']}")
        agree = "healthy: ZenML, the front door, the service and the production stage agree"
        print("UNHEALTHY:" if problems else agree)
    for problem in problems:
        print(f"  - {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

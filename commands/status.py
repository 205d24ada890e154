"""What serves, read from ZenML and asked of the live service: ``python -m commands.status`` (``make status``).

ZenML's records say what is deployed: the service its model deployer tracks for the deploy step (model,
version, Bento, backend port, since when) and the model version in the ``production`` stage. The live
system is asked whether it matches: the front door (which backend answers ready through it) and the
service itself (``/info/metadata`` through the front door). Exit code 0 if they agree or nothing is
deployed, 1 otherwise, naming each disagreement.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any, Dict, List, NamedTuple, Optional

from commands.quiet import quiet_process

quiet_process()

import httpx  # noqa: E402
from zenml.client import Client  # noqa: E402

from registry import deployed_services, production_version  # noqa: E402
from serving import frontdoor  # noqa: E402


class Service(NamedTuple):
    """ZenML's record of one service of the deploy step."""

    uuid: str
    model: str
    version: str
    bento: str
    port: int
    running: bool
    since: datetime


class Live(NamedTuple):
    """What the running system answers: the front door's port, the backend that answered ready through it,
    and the service's ``/info/metadata`` (each None when nothing answers)."""

    port: Optional[int]
    routed: Optional[int]
    info: Optional[Dict[str, Any]]


def served_one(services: List[Service], live: Live) -> Optional[Service]:
    """The service the front door forwards to; else the newest ZenML tracks; None if it tracks none."""
    return next((s for s in services if s.port == live.routed), services[0] if services else None)


def disagreements(services: List[Service], live: Live, production: Optional[str]) -> List[str]:
    """Each way the live system or the production stage contradicts ZenML's service record, in words;
    empty when they agree (or when nothing is deployed and nothing runs)."""
    served = served_one(services, live)
    if served is None:
        return [] if live.port is None else [f"the front door runs on port {live.port}, but ZenML tracks no service"]
    problems = []
    if len(services) > 1:
        problems.append(f"ZenML tracks {len(services)} services for the deploy step: {[s.uuid for s in services]}")
    if not served.running:
        problems.append(f"ZenML's service {served.uuid} is not running")
    if live.port is None:
        problems.append("no front door runs")
    elif live.routed is None:
        problems.append(f"no service answers ready through the front door on port {live.port}")
    elif live.routed != served.port:
        problems.append(f"the front door forwards to port {live.routed}, ZenML's service listens on {served.port}")
    answered = None if live.info is None else (live.info["model_name"], live.info["model_version"])
    if answered is not None and answered != (served.model, served.version):
        problems.append(
            f"the service answers as {answered[0]} version {answered[1]}, "
            f"ZenML's record says {served.model} version {served.version or '(none)'}"
        )
    if production != served.version:
        problems.append(
            f"the production version is {production or '(none)'}, the deployed one {served.version or '(none)'}"
        )
    return problems


def metadata(url: str) -> Optional[Dict[str, Any]]:
    try:
        return httpx.get(url + "/info/metadata", timeout=10).raise_for_status().json()
    except httpx.HTTPError:
        return None


def live() -> Live:
    """Ask the running front door which backend answers ready through it, and that service what it serves."""
    port = frontdoor.serving_port()
    routed = frontdoor.routed_backend(port) if port is not None else None
    return Live(port, routed, metadata(f"http://127.0.0.1:{port}") if routed is not None else None)


def main() -> int:
    client = Client()
    deployer = client.active_stack.model_deployer
    if deployer is None:
        name = client.active_stack_model.name
        print(f"the active stack '{name}' has no model deployer; switch to the stack you serve with")
        return 1
    services = [
        Service(
            str(s.uuid),
            s.config.model_name,
            s.config.model_version,
            s.config.bento_tag,
            s.config.port,
            s.is_running,
            client.get_service(s.uuid, hydrate=False).created,
        )
        for s in deployed_services(deployer)
    ]
    answered = live()
    port = answered.port
    served = served_one(services, answered)
    production = None
    if served is not None:
        version = production_version(served.model)
        production = version.name if version else None
    problems = disagreements(services, answered, production)
    if served is None:
        print("nothing is deployed" + ("" if not problems else "; but:"))
    else:
        where = f"at http://127.0.0.1:{port}/predict" if port is not None else "without a front door"
        bento_model = answered.info["bento_model"] if answered.info else "(no answer)"
        print(f"{served.model} version {served.version} serves {where}")
        print(f"  since {served.since:%Y-%m-%d %H:%M:%S} UTC; Bento {served.bento}, BentoML model {bento_model}")
        print(f"  backend 127.0.0.1:{served.port}, ZenML service {served.uuid}")
        agree = "healthy: ZenML, the front door, the service and the production stage agree"
        print("UNHEALTHY:" if problems else agree)
    for problem in problems:
        print(f"  - {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""Stop the model's local HTTP deployments and the front door: ``python -m commands.stop`` (``make stop-serve``).

Every service ZenML tracks for the deployment step is stopped, not only the one the front door
forwards to, so a deploy that failed half-way leaves nothing running either.
"""

from __future__ import annotations

import sys

from commands.quiet import quiet_process

quiet_process()

from zenml.client import Client  # noqa: E402

from registry import deployed_services  # noqa: E402
from serving import frontdoor  # noqa: E402


def main() -> int:
    if frontdoor.stop():
        print("stopped the front door")
    deployer = Client().active_stack.model_deployer
    if deployer is None:
        print("the active stack has no model deployer; nothing to stop")
        return 1
    services = deployed_services(deployer)
    for service in services:
        deployer.delete_model_server(service.uuid, timeout=60)
        print(f"stopped and removed {service.config.model_name} deployment {service.uuid} ({service.config.bento_tag})")
    if not services:
        print("no deployment to stop")
    return 0


if __name__ == "__main__":
    sys.exit(main())

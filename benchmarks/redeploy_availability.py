"""Availability during redeploys: what clients see while `make serve` replaces the running service.

Deploys the `production` version of `review_classifier` with configs/deploy.yaml (run `make run`
first; a service already running there is replaced, as `make serve` does), then keeps a bounded
loopback client (4 threads, one request after another, each a new connection) sending /predict
through the front door while the deployment pipeline runs twice more. The service is left
running, as after `make serve`. Last line: JSON of the figures.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from commands.quiet import quiet_process

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "deploy.yaml"
REDEPLOYS = 2


def main() -> None:
    quiet_process()
    from zenml.client import Client

    from commands.pipeline import run_pipeline
    from registry import deployed_services, production_version
    from review_classifier.names import MODEL_NAME
    from serving import frontdoor
    from serving.traffic import figures, traffic

    if production_version(MODEL_NAME) is None:
        sys.exit(f"no production version of {MODEL_NAME}: run `make run` first")
    run_pipeline(CONFIG)  # what is measured starts from a running service
    url = f"http://127.0.0.1:{frontdoor.serving_port()}"
    swaps = []
    with traffic(url) as responses:
        time.sleep(5)
        for _ in range(REDEPLOYS):
            started = time.monotonic()
            run_pipeline(CONFIG)
            swaps.append(round(time.monotonic() - started, 1))
            time.sleep(5)
    result = {
        **figures(responses),
        "redeploys": REDEPLOYS,
        "redeploy_pipeline_s": swaps,
        "served_version": deployed_services(Client().active_stack.model_deployer)[0].config.model_version,
    }
    print(
        f"{result['requests']} requests during {REDEPLOYS} redeploys: {result['failed']} failed, "
        f"longest gap between successes {result['longest_gap_between_successes_s']} s, "
        f"{len(result['backends_in_order'])} backends in turn, {result['flips_back']} answers from an old one "
        f"after the new one had answered; each redeploy (build, start, prove, switch, stop old) took {swaps} s"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()

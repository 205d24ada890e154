"""Availability during redeploys: what clients see while `make serve` replaces the running service.

Deploys the `production` version of `review_classifier` with configs/deploy.yaml (run `make run`
first; a service already running there is replaced, as `make serve` does), then keeps two bounded
loopback clients sending /predict through the front door while the deployment pipeline runs twice
more: one whose 4 threads open a new connection per request, one whose 4 threads each keep one
connection alive (it should open 4 in all: every other request is a reconnect the switch caused).
The service is left running, as after `make serve`. Last line: JSON of the figures.
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
THREADS = 4


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
    with traffic(url, THREADS) as fresh, traffic(url, THREADS, keep_alive=True) as kept:
        time.sleep(5)
        for _ in range(REDEPLOYS):
            started = time.monotonic()
            run_pipeline(CONFIG)
            swaps.append(round(time.monotonic() - started, 1))
            time.sleep(5)
    kept_figures = figures(kept)
    reconnects = kept_figures["connections_opened"] - THREADS
    result = {
        "new_connection_per_request": figures(fresh),
        "keep_alive": kept_figures,
        "keep_alive_reconnects": reconnects,
        "keep_alive_reconnect_pct": round(100 * reconnects / max(kept_figures["requests"], 1), 3),
        "redeploys": REDEPLOYS,
        "redeploy_pipeline_s": swaps,
        "served_version": deployed_services(Client().active_stack.model_deployer)[0].config.model_version,
    }
    for name, run in (
        ("new connection per request", result["new_connection_per_request"]),
        ("keep-alive", kept_figures),
    ):
        print(
            f"{name}: {run['requests']} requests during {REDEPLOYS} redeploys, {run['failed']} failed, "
            f"{run['connections_opened']} connections opened, longest gap between successes "
            f"{run['longest_gap_between_successes_s']} s, {len(run['backends_in_order'])} backends in turn "
            f"(each switch a new one, never back: {REDEPLOYS + 1} expected)"
        )
    print(
        f"keep-alive clients reconnected {reconnects} times "
        f"({result['keep_alive_reconnect_pct']} % of their requests); "
        f"each redeploy (build, start, prove, switch, stop old) took {swaps} s"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()

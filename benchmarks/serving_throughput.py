"""Throughput and latency of the HTTP service at its public port, as shares of the framework's own ceiling.

Builds a Bento from the current `production` version of `review_classifier` (run
`make run` first), serves it on a free loopback port behind the project's own front
door (`serving/frontdoor.py`, the nginx users call); next to it, the ceiling:
`benchmarks/ceiling_service.py`, a BentoML service with the very same settings,
request validation and response shape whose `/predict` does no work. A client
process drives the ceiling, the public port and the backend directly, one after the
other for each load (single texts at concurrency 1, 8 and 32, and 64-text batches),
and each figure divided by the ceiling's is what counts: absolute figures move by a
third between runs on a shared machine, their ratio much less. The same loads on
`/explain` (public port) give its cost as a share of `/predict`'s throughput.

Then the service's memory and start-up: each worker's resident memory after
warm-up and after 100,000 requests, and the time from `bentoml serve` to a
`/readyz` that answers 200; and how long one request takes at the public port while
1,500 other connections hold half a request each. Side by side, the naive baseline: Keras
`model.predict` called once per text, no server. Every run is bounded in time.
Last line: JSON of all figures.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator, List, Tuple
from urllib.parse import urlsplit

import psutil

from commands.quiet import quiet_process

TEXT = "Love this dress, the fabric is soft and it fits perfectly"
SECONDS = 10.0
#: (concurrency, texts per request) of each measured load.
LOADS = ((1, 1), (8, 1), (32, 1), (4, 64))
CEILING_SERVICE = "benchmarks.ceiling_service:CeilingService"
#: Requests the service answers in all before its workers' memory is read again (`--requests N` to change).
LONG_RUN_REQUESTS = 100_000
#: Connections that send half a request and then idle while one normal request is timed.
IDLE_CONNECTIONS = 1500


def client(url: str, concurrency: int, texts: int, seconds: float, route: str = "/predict") -> dict:
    """Runs in its own process: closed-loop load with keep-alive connections. A bare ``http.client``, not the
    project's httpx: at these rates a client library's own overhead would show in the figures."""
    address = urlsplit(url)
    body = json.dumps({"texts": [TEXT] * texts})
    latencies, errors, stop_at = [], [0], time.monotonic() + seconds

    def worker() -> None:
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                connection.request("POST", route, body, {"content-type": "application/json"})
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    raise RuntimeError(response.status)
                latencies.append(time.perf_counter() - started)
            except Exception:  # counted, never hidden: any error fails the targets
                errors[0] += 1
                connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    pick = lambda q: round(1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1)  # noqa: E731
    return {
        "concurrency": concurrency,
        "texts_per_request": texts,
        "requests": len(latencies),
        "errors": errors[0],
        "requests_per_s": round(len(latencies) / seconds, 1),
        "texts_per_s": round(len(latencies) * texts / seconds),
        "p50_ms": pick(0.50),
        "p99_ms": pick(0.99),
    }


def load_from_another_process(
    url: str, concurrency: int, texts: int, seconds: float = SECONDS, route: str = "/predict"
) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--client", url, str(concurrency), str(texts), str(seconds), route],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def naive_baseline(classifier, seconds: float = 5.0) -> dict:
    """`model.predict` per text, in process: what serving without any care would cost."""
    count, stop_at = 0, time.monotonic() + seconds
    while time.monotonic() < stop_at:
        classifier.model.predict(classifier.encode([TEXT]), verbose=0)
        count += 1
    return {"naive_model_predict_per_text_per_s": round(count / seconds, 1)}


def workers_of(service_name: str) -> List[psutil.Process]:
    """The BentoML worker processes this benchmark started for ``service_name``."""
    found = []
    for process in psutil.Process().children(recursive=True):
        args = process.cmdline()
        if "_bentoml_impl.worker.service" in args and args[args.index("--service-name") + 1] == service_name:
            found.append(process)
    return found


def rss_mib(service_name: str) -> List[float]:
    return [round(p.memory_info().rss / 2**20, 1) for p in workers_of(service_name)]


@contextmanager
def timed_serve(target: str, log: Path) -> Iterator[Tuple[str, float]]:
    """``served`` (from ``serving.process``) plus the seconds from starting `bentoml serve` to a ready /readyz."""
    from serving.process import served

    started = time.monotonic()
    with served(target, log) as url:
        yield url, round(time.monotonic() - started, 1)


def answered_among_idle_connections(url: str) -> float:
    """Milliseconds to answer one request while ``IDLE_CONNECTIONS`` connections hold half a request each, as a
    slow-loris client does."""
    address = urlsplit(url)
    with ExitStack() as held:
        for _ in range(IDLE_CONNECTIONS):
            connection = held.enter_context(socket.create_connection((address.hostname, address.port)))
            connection.sendall(b"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: applic")
        started = time.perf_counter()
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        connection.request("POST", "/predict", json.dumps({"texts": [TEXT]}), {"content-type": "application/json"})
        if connection.getresponse().status != 200:
            raise RuntimeError("the request among idle connections was not answered with 200")
        return round(1000 * (time.perf_counter() - started), 1)


@contextmanager
def behind_front_door(backend_url: str, state: Path) -> Iterator[str]:
    """The project's front door, with its state in ``state``, forwarding to ``backend_url``; the public URL.
    Stopped when the block ends, also on failure."""
    from serving import frontdoor
    from supervisor.processes import free_port

    os.environ[frontdoor.STATE_VARIABLE] = str(state)
    port = free_port()
    try:
        frontdoor.switch(port, int(urlsplit(backend_url).port))
        yield f"http://127.0.0.1:{port}"
    finally:
        frontdoor.stop()


def share(project: float, ceiling: float) -> float:
    return round(100 * project / ceiling, 1) if ceiling else 0.0


def print_run(name: str, run: dict) -> None:
    print(
        f"{name:<8} concurrency {run['concurrency']:>2} x {run['texts_per_request']:>2} text(s): "
        f"{run['requests_per_s']:>7} req/s, {run['texts_per_s']:>6} texts/s, "
        f"p50 {run['p50_ms']} ms, p99 {run['p99_ms']} ms, {run['errors']} errors",
        flush=True,
    )


def main(long_run_requests: int = LONG_RUN_REQUESTS) -> None:
    quiet_process()
    from benchmarks.ceiling_service import CEILING_NAME
    from registry import decision_threshold, load_classifier, production_version
    from review_classifier.names import BENTO_NAME, MODEL_NAME
    from serving.bento import build_bento, save_model

    version = production_version(MODEL_NAME)
    if version is None:
        sys.exit(f"no production version of {MODEL_NAME}: run `make run` first")
    classifier = load_classifier(version)
    bento = build_bento(
        save_model(
            classifier.model,
            classifier.vocabulary,
            zenml_model=MODEL_NAME,
            zenml_version=str(version.number),
            metrics={},
            decision_threshold=decision_threshold(version),
        ),
        {"zenml_model_version": str(version.number), "purpose": "benchmark"},
    )
    with tempfile.TemporaryDirectory() as scratch, ExitStack() as services:
        ceiling_url, ceiling_start_s = services.enter_context(timed_serve(CEILING_SERVICE, Path(scratch) / "c.log"))
        backend_url, start_s = services.enter_context(timed_serve(bento, Path(scratch) / "serve.log"))
        url = services.enter_context(behind_front_door(backend_url, Path(scratch) / "front-door"))
        for target, route in ((ceiling_url, "/predict"), (url, "/predict"), (url, "/explain")):
            for concurrency, texts in LOADS:  # warm-up: every request shape once
                load_from_another_process(target, concurrency, texts, seconds=2, route=route)
        rss_warm = rss_mib(BENTO_NAME)
        runs, explained = [], []
        for concurrency, texts in LOADS:
            runs.append(
                {
                    name: load_from_another_process(target, concurrency, texts)
                    for name, target in (("ceiling", ceiling_url), ("public", url), ("backend", backend_url))
                }
            )
            explained.append(load_from_another_process(url, concurrency, texts, route="/explain"))
            for name, run in runs[-1].items():
                print_run(name, run)
            print_run("explain", explained[-1])
        served_requests = sum(run["public"]["requests"] + run["backend"]["requests"] for run in runs)
        long_run, rss_series = [], [(served_requests, max(rss_mib(BENTO_NAME)))]
        while served_requests < long_run_requests:
            long_run.append(load_from_another_process(url, 8, 1))
            served_requests += long_run[-1]["requests"]
            rss_series.append((served_requests, max(rss_mib(BENTO_NAME))))
        rss_after = rss_mib(BENTO_NAME)
        ceiling_rss = rss_mib(CEILING_NAME)
        idle_ms = answered_among_idle_connections(url)

    figures = {"model_version": str(version.number)}
    keys = ("single_c1", "single_c8", "single_c32", "batch64")
    for run, explain, key in zip(runs, explained, keys, strict=True):
        ceiling, public, backend = run["ceiling"], run["public"], run["backend"]
        throughput = "texts_per_s" if public["texts_per_request"] > 1 else "requests_per_s"
        figures |= {
            f"{key}_{throughput}": public[throughput],
            f"{key}_p99_ms": public["p99_ms"],
            f"{key}_ceiling_{throughput}": ceiling[throughput],
            f"{key}_ceiling_p99_ms": ceiling["p99_ms"],
            f"{key}_share_pct": share(public[throughput], ceiling[throughput]),
            f"{key}_p99_vs_ceiling": round(public["p99_ms"] / ceiling["p99_ms"], 2),
            f"{key}_backend_{throughput}": backend[throughput],
            f"{key}_backend_p99_ms": backend["p99_ms"],
            f"{key}_backend_share_pct": share(backend[throughput], ceiling[throughput]),
            f"{key}_backend_p99_vs_ceiling": round(backend["p99_ms"] / ceiling["p99_ms"], 2),
            f"{key}_explain_{throughput}": explain[throughput],
            f"{key}_explain_p99_ms": explain["p99_ms"],
            f"{key}_explain_share_of_predict_pct": share(explain[throughput], public[throughput]),
        }
        print(
            f"{key}: public port {figures[f'{key}_share_pct']} % of the ceiling's {throughput.replace('_', ' ')}, "
            f"p99 {figures[f'{key}_p99_vs_ceiling']}x its p99; backend directly {figures[f'{key}_backend_share_pct']} "
            f"%, p99 {figures[f'{key}_backend_p99_vs_ceiling']}x; "
            f"/explain {figures[f'{key}_explain_share_of_predict_pct']} % of /predict's, p99 {explain['p99_ms']} ms"
        )
    growth = max(share(after, warm) - 100 for warm, after in zip(sorted(rss_warm), sorted(rss_after), strict=True))
    errors = sum(r["errors"] for r in [*(r for run in runs for r in run.values()), *explained, *long_run])
    print(f"start-up to /readyz: project {start_s} s, ceiling {ceiling_start_s} s")
    print(
        f"worker RSS (MiB): {rss_warm} after warm-up, {rss_after} after {served_requests:,} requests "
        f"({growth:+.1f} % at most); the ceiling's workers: {ceiling_rss}"
    )
    print("largest worker RSS (MiB) along the long run: " + ", ".join(f"{mib} at {n:,}" for n, mib in rss_series))
    baseline = naive_baseline(classifier)
    print(
        f"naive baseline (model.predict per text, no server): {baseline['naive_model_predict_per_text_per_s']} texts/s"
    )
    print(f"one request among {IDLE_CONNECTIONS:,} idle half-sent connections at the public port: {idle_ms} ms")
    figures |= {
        "idle_connections": IDLE_CONNECTIONS,
        "request_among_idle_connections_ms": idle_ms,
        "errors": errors,
        "startup_to_ready_s": start_s,
        "ceiling_startup_to_ready_s": ceiling_start_s,
        "worker_rss_mib_warm": rss_warm,
        "worker_rss_mib_after": rss_after,
        "requests_served": served_requests,
        "worker_rss_growth_pct": round(growth, 1),
        "largest_worker_rss_mib_by_requests": rss_series,
        "ceiling_worker_rss_mib": ceiling_rss,
        **baseline,
        "speedup_vs_naive_c8": round(
            figures["single_c8_requests_per_s"] / baseline["naive_model_predict_per_text_per_s"], 1
        ),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--client"]:
        url, concurrency, texts, seconds, route = sys.argv[2:7]
        print(json.dumps(client(url, int(concurrency), int(texts), float(seconds), route)))
    else:
        main(int(sys.argv[sys.argv.index("--requests") + 1]) if "--requests" in sys.argv else LONG_RUN_REQUESTS)

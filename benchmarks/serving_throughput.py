"""Throughput and latency of the HTTP service, loaded from a separate client process.

Builds a Bento from the current `production` version of `review_classifier` (run
`make run` first), serves it on a free loopback port, and drives it with a client
process: single-text requests at concurrency 1, 8 and 32, and 64-text batches.
Side by side, the naive baseline: Keras `model.predict` called once per text, no
server, no batching. Every run is bounded in time. Last line: JSON of all figures.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from review_classifier.quiet import quiet_process

TEXT = "Love this dress, the fabric is soft and it fits perfectly"
SECONDS = 10.0


def client(url: str, concurrency: int, texts: int, seconds: float) -> dict:
    """Runs in its own process: closed-loop load with keep-alive connections."""
    address = urlsplit(url)
    body = json.dumps({"texts": [TEXT] * texts})
    latencies, errors, stop_at = [], [0], time.monotonic() + seconds

    def worker() -> None:
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                connection.request("POST", "/predict", body, {"content-type": "application/json"})
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


def load_from_another_process(url: str, concurrency: int, texts: int) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--client", url, str(concurrency), str(texts), str(SECONDS)],
        capture_output=True,
        text=True,
        timeout=SECONDS + 60,
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


def main() -> None:
    quiet_process()
    from review_classifier.names import MODEL_NAME
    from serving.bento import build_bento, save_model
    from serving.process import served
    from steps.registry import decision_threshold, load_classifier, production_version

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
    with tempfile.TemporaryDirectory() as scratch, served(bento, Path(scratch) / "serve.log") as url:
        load_from_another_process(url, 8, 1)  # warm-up
        runs = [load_from_another_process(url, c, 1) for c in (1, 8, 32)]
        runs.append(load_from_another_process(url, 4, 64))
    for run in runs:
        print(
            f"concurrency {run['concurrency']:>2} x {run['texts_per_request']:>2} text(s): "
            f"{run['requests_per_s']:>7} req/s, {run['texts_per_s']:>6} texts/s, "
            f"p50 {run['p50_ms']} ms, p99 {run['p99_ms']} ms, {run['errors']} errors"
        )
    baseline = naive_baseline(classifier)
    single8 = runs[1]
    print(
        f"naive baseline (model.predict per text, no server): {baseline['naive_model_predict_per_text_per_s']} texts/s"
    )
    print(
        json.dumps(
            {
                "model_version": str(version.number),
                "single_c1_rps": runs[0]["requests_per_s"],
                "single_c8_rps": single8["requests_per_s"],
                "single_c8_p50_ms": single8["p50_ms"],
                "single_c8_p99_ms": single8["p99_ms"],
                "single_c32_rps": runs[2]["requests_per_s"],
                "single_c32_p99_ms": runs[2]["p99_ms"],
                "batch64_texts_per_s": runs[3]["texts_per_s"],
                "batch64_p99_ms": runs[3]["p99_ms"],
                "errors": sum(r["errors"] for r in runs),
                **baseline,
                "speedup_vs_naive_c8": round(
                    single8["requests_per_s"] / baseline["naive_model_predict_per_text_per_s"], 1
                ),
            }
        )
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--client"]:
        url, concurrency, texts, seconds = sys.argv[2:6]
        print(json.dumps(client(url, int(concurrency), int(texts), float(seconds))))
    else:
        main()

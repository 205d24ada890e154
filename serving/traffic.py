"""A bounded loopback client for redeploy checks: threads POSTing /predict, every answer recorded.

Each response keeps when its request was sent and answered, the ``model_version`` it carries
and the backend the front door names, so a switch can be read off the record: no failure,
one moment from which every request goes to the new backend, never back.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Dict, Iterator, List, NamedTuple, Optional

import httpx

from serving.nginx_conf import BACKEND_HEADER

TEXT = "Love this dress, the fabric is soft and it fits perfectly"


class Response(NamedTuple):
    sent: float
    received: float
    version: Optional[str]  # None: the request failed
    backend: Optional[str]
    error: Optional[str] = None


def request(client: httpx.Client, url: str) -> Response:
    sent = time.monotonic()
    try:
        answer = client.post(url + "/predict", json={"texts": [TEXT]}).raise_for_status()
        version = answer.json()[0]["model_version"]
        return Response(sent, time.monotonic(), version, answer.headers.get(BACKEND_HEADER))
    except Exception as error:  # counted, never hidden
        return Response(sent, time.monotonic(), None, None, repr(error))


@contextmanager
def traffic(url: str, threads: int = 4, limit: int = 200_000) -> Iterator[List[Response]]:
    """``threads`` clients sending one request after another until the block ends (at most ``limit``)."""
    responses: List[Response] = []
    done = threading.Event()

    def client() -> None:
        # A new connection per request, as a stream of independent callers; one client per thread, so
        # the load does not pay for building a client (and its TLS context) on every request.
        with httpx.Client(timeout=60, limits=httpx.Limits(max_keepalive_connections=0)) as session:
            while not done.is_set() and len(responses) < limit:
                responses.append(request(session, url))

    workers = [threading.Thread(target=client, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    try:
        yield responses
    finally:
        done.set()
        for worker in workers:
            worker.join()


def switches(responses: List[Response]) -> List[str]:
    """The backends in the order they first answered."""
    order: List[str] = []
    for response in sorted(responses, key=lambda r: r.received):
        if response.backend is not None and response.backend not in order:
            order.append(response.backend)
    return order


def flips_back(responses: List[Response]) -> List[Response]:
    """Answers from an earlier backend to requests sent after a later backend had already answered."""
    rank = {backend: i for i, backend in enumerate(switches(responses))}
    first_answer: Dict[int, float] = {}
    for response in responses:
        if response.backend is not None:
            i = rank[response.backend]
            first_answer[i] = min(first_answer.get(i, response.received), response.received)
    return [
        r
        for r in responses
        if r.backend is not None and any(later > rank[r.backend] and t < r.sent for later, t in first_answer.items())
    ]


def overlaps(responses: List[Response]) -> List[float]:
    """For each switch, how long answers from the old backend went on after the new one's first answer
    (requests already in flight at the switch): the swap as clients see it."""
    order = switches(responses)
    last = {b: max(r.received for r in responses if r.backend == b) for b in order}
    first = {b: min(r.received for r in responses if r.backend == b) for b in order}
    return [round(max(0.0, last[old] - first[new]), 3) for old, new in zip(order, order[1:], strict=False)]


def figures(responses: List[Response]) -> dict:
    """Requests sent and failed, the longest gap between two successes, the backends in order."""
    answered = sorted(r.received for r in responses if r.version is not None)
    gaps = [b - a for a, b in zip(answered, answered[1:], strict=False)]
    return {
        "swap_overlap_s": overlaps(responses),
        "requests": len(responses),
        "failed": sum(r.version is None for r in responses),
        "longest_gap_between_successes_s": round(max(gaps, default=0.0), 3),
        "backends_in_order": switches(responses),
        "flips_back": len(flips_back(responses)),
    }

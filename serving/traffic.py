"""A bounded loopback client for redeploy checks: threads POSTing /predict, every answer recorded.

Each response keeps when its request was sent and answered, the ``model_version`` it carries,
the backend the front door names and whether the request had to open a connection, so a switch
can be read off the record: no failure, one moment from which every request goes to the new
backend, never back, and no kept-alive connection lost on the way.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Iterator, List, NamedTuple, Optional, Tuple

import httpx

from serving.nginx_conf import BACKEND_HEADER, answering_port
from supervisor import processes

TEXT = "Love this dress, the fabric is soft and it fits perfectly"
#: Requests per second of each client in the checks of a switch (tests): a steady stream that crosses every
#: switch, without taking the cores the deploy being checked needs. Capacity figures send back to back instead.
STEADY_RATE = 10.0


class Response(NamedTuple):
    sent: float
    received: float
    version: Optional[str]  # None: the request failed
    backend: Optional[int]  # the port that answered
    error: Optional[str] = None
    connected: bool = False  # the request opened a new connection


def request(client: httpx.Client, url: str) -> Response:
    sent, connected = time.monotonic(), []

    def trace(event: str, _info: dict) -> None:  # httpcore's events: a connect is one
        if event == "connection.connect_tcp.complete":
            connected.append(event)

    try:
        answer = client.post(url + "/predict", json={"texts": [TEXT]}, extensions={"trace": trace})
        version = answer.raise_for_status().json()[0]["model_version"]
        backend = answering_port(answer.headers.get(BACKEND_HEADER))
        return Response(sent, time.monotonic(), version, backend, connected=bool(connected))
    except Exception as error:  # counted, never hidden
        return Response(sent, time.monotonic(), None, None, repr(error), bool(connected))


@contextmanager
def traffic(
    url: str, threads: int = 4, keep_alive: bool = False, limit: int = 200_000, rate: Optional[float] = None
) -> Iterator[List[Response]]:
    """``threads`` clients sending one request after another until the block ends (at most ``limit``):
    each on a new connection, as a stream of independent callers, or with ``keep_alive`` on one
    connection per client for as long as the server keeps it. Each client sends ``rate`` requests a
    second at most (None: back to back, as a capacity figure needs)."""
    responses: List[Response] = []
    done = threading.Event()
    interval = 1 / rate if rate else 0.0

    def client() -> None:
        # One client per thread, so the load does not pay for building a client on every request.
        limits = httpx.Limits(max_keepalive_connections=1 if keep_alive else 0)
        with httpx.Client(timeout=60, limits=limits) as session:
            while not done.is_set() and len(responses) < limit:
                sent = time.monotonic()
                responses.append(request(session, url))
                done.wait(max(0.0, interval - (time.monotonic() - sent)))

    workers = [threading.Thread(target=client, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    try:
        yield responses
    finally:
        done.set()
        for worker in workers:
            worker.join()


def until_answered(
    responses: List[Response], more: int, watched: processes.Watched = processes.LogOnly(), timeout: float = 120
) -> None:
    """Let the clients get ``more`` answers past this point; a failure of ``watched`` (what serves them) or the
    deadline ends the wait with its cause and the last answer."""
    target = len(responses) + more
    try:
        processes.wait_ready(f"{more} more answers", lambda: len(responses) >= target, watched, timeout, 0.05)
    except processes.NotReady as error:
        got, last = more - (target - len(responses)), responses[-1] if responses else None
        raise processes.NotReady(f"{error}\nthe clients got {got} of {more} answers; the last: {last}") from error


def takeovers(responses: List[Response]) -> List[Tuple[int, List[Response]]]:
    """The backends in the order they took over, each with the answers it gave.

    The front door has two backend ports, so a port comes back every other deploy: each takeover is a
    backend of its own. An answer from the previous backend to a request sent before the current one
    first answered was in flight at the switch and belongs to the previous one; any other answer from
    another port starts a takeover. So an old backend answering a request sent after the switch shows
    as one takeover too many: one switch reads ``[old, new]``, never ``[old, new, old, ...]``.
    """
    found: List[Tuple[int, List[Response]]] = []
    for response in sorted((r for r in responses if r.backend is not None), key=lambda r: r.received):
        current = found[-1] if found else None
        if current is not None and response.backend == current[0]:
            current[1].append(response)
        elif len(found) >= 2 and response.backend == found[-2][0] and response.sent < found[-1][1][0].received:
            found[-2][1].append(response)
        else:
            found.append((response.backend, [response]))
    return found


def switches(responses: List[Response]) -> List[int]:
    """The backend ports in the order they took over."""
    return [port for port, _ in takeovers(responses)]


def overlaps(responses: List[Response]) -> List[float]:
    """For each switch, how long answers from the old backend went on after the new one's first answer
    (requests already in flight at the switch): the swap as clients see it."""
    found = takeovers(responses)
    return [
        round(max(0.0, old[-1].received - new[0].received), 3)
        for (_, old), (_, new) in zip(found, found[1:], strict=False)
    ]


def figures(responses: List[Response]) -> dict:
    """Requests sent and failed, connections opened, the longest gap between two successes, the backends in order."""
    answered = sorted(r.received for r in responses if r.version is not None)
    gaps = [b - a for a, b in zip(answered, answered[1:], strict=False)]
    return {
        "swap_overlap_s": overlaps(responses),
        "requests": len(responses),
        "failed": sum(r.version is None for r in responses),
        "connections_opened": sum(r.connected for r in responses),
        "longest_gap_between_successes_s": round(max(gaps, default=0.0), 3),
        "backends_in_order": switches(responses),
    }

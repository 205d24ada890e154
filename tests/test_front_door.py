"""The front door itself, in front of tiny backends (tests/tiny_backend.py), in seconds: a switch moves every
new request at one moment and closes no client connection, the old backend may stop at once, and a switch
that cannot be made leaves the traffic where it was."""

from __future__ import annotations

import socket
import sys
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from serving import frontdoor
from serving.traffic import switches, traffic, until_answered
from supervisor.processes import free_port, http_status, start_ready, stop

TINY_BACKEND = Path(__file__).with_name("tiny_backend.py")
THREADS = 4


@pytest.fixture
def state(tmp_path: Path, monkeypatch) -> Iterator[Path]:
    """A front door state directory of the test's own; whatever front door the test started is stopped."""
    monkeypatch.setenv(frontdoor.STATE_VARIABLE, str(tmp_path / "front-door"))
    try:
        yield tmp_path
    finally:
        frontdoor.stop()


@contextmanager
def tiny_backend(port: int, name: str, directory: Path) -> Iterator[object]:
    started = start_ready(
        f"tiny backend {name}",
        [sys.executable, str(TINY_BACKEND), str(port), name],
        directory / f"{name}.log",
        lambda: http_status(f"http://127.0.0.1:{port}/readyz") == 200,
        timeout=30,
        interval=0.05,
    )
    try:
        yield started
    finally:
        stop(started)


def test_a_switch_moves_every_request_at_once_and_closes_no_connection(state: Path) -> None:
    public, blue = free_port(), free_port()
    url = f"http://127.0.0.1:{public}"
    with ExitStack() as backends:
        old = backends.enter_context(tiny_backend(blue, "old", state))
        frontdoor.switch(public, blue)  # starts the front door
        green = frontdoor.standby_port()
        assert green != blue
        backends.enter_context(tiny_backend(green, "new", state))
        with traffic(url, THREADS) as fresh, traffic(url, THREADS, keep_alive=True) as kept:
            until_answered(kept, 200)
            frontdoor.switch(public, green)
            stop(old)  # at once, as a deploy does: requests that picked it are forwarded to the new one
            until_answered(kept, 200)
        assert frontdoor.routed_backend(public) == green
        assert frontdoor.standby_port() == blue  # the next deploy takes the port the old one left
    for responses in (fresh, kept):
        assert [r.error for r in responses if r.version is None] == []
        assert switches(responses) == [blue, green]  # and never back to blue
        assert {r.version for r in responses if r.backend == green} == {"new"}
    assert sum(r.connected for r in kept) == THREADS and all(r.connected for r in fresh)


def test_a_switch_to_a_backend_that_does_not_answer_leaves_the_traffic_where_it_was(state: Path) -> None:
    public, blue = free_port(), free_port()
    with tiny_backend(blue, "old", state):
        frontdoor.switch(public, blue)
        green = frontdoor.standby_port()  # nothing listens there
        with pytest.raises(frontdoor.FrontDoorError, match=f"service on port {green} is not ready"):
            frontdoor.switch(public, green)
        assert frontdoor.routed_backend(public) == blue


def test_a_standby_port_someone_else_holds_is_named_before_anything_starts(state: Path) -> None:
    public, blue = free_port(), free_port()
    with tiny_backend(blue, "old", state):
        frontdoor.switch(public, blue)
        with socket.socket() as stranger:
            stranger.bind(("127.0.0.1", frontdoor.standby_port()))
            stranger.listen()
            with pytest.raises(frontdoor.FrontDoorError, match=r"standby port \d+ is held by PID \d+"):
                frontdoor.standby_port()

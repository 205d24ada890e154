"""The redeploy tests read a switch off the client's record: the reading itself must be right."""

from __future__ import annotations

import time

from serving.nginx_conf import answering_port
from serving.traffic import Response, figures, switches, traffic
from supervisor.processes import free_port

A, B = 40001, 40002  # two backend ports


def answer(sent: float, received: float, backend: int) -> Response:
    return Response(sent, received, "1" if backend == A else "2", backend)


def test_a_clean_switch_has_no_flip_back_even_with_requests_in_flight() -> None:
    responses = [answer(0, 1, A), answer(1, 2, B), answer(1.5, 2.5, A), answer(2, 3, B)]
    assert switches(responses) == [A, B]  # the late A was sent before B first answered
    assert figures(responses)["swap_overlap_s"] == [0.5]


def test_an_old_answer_to_a_request_sent_after_the_switch_shows_as_one_takeover_too_many() -> None:
    assert switches([answer(0, 1, A), answer(1, 2, B), answer(2.5, 3, A), answer(3, 4, B)]) == [A, B, A, B]


def test_a_port_that_comes_back_with_the_next_deploy_is_a_new_backend() -> None:
    responses = [answer(0, 1, A), answer(1, 2, B), answer(1.5, 2.5, A), answer(3, 4, B), answer(4, 5, A)]
    assert switches(responses) == [A, B, A]
    assert figures(responses)["swap_overlap_s"] == [0.5, 0.0]


def test_failures_are_counted_and_widen_the_gap() -> None:
    failed = Response(1, 2, None, None, "ConnectionRefusedError")
    result = figures([answer(0, 1, A), failed, answer(2, 4, A)])
    assert (result["requests"], result["failed"], result["longest_gap_between_successes_s"]) == (3, 1, 3.0)


def test_the_backend_that_answered_is_the_last_address_nginx_tried() -> None:
    assert answering_port("127.0.0.1:40001") == A
    assert answering_port("127.0.0.1:40001, 127.0.0.1:40002") == B  # the first refused, the other answered
    assert answering_port(None) is None and answering_port("blue") is None


def test_a_paced_client_sends_at_most_its_rate() -> None:
    """Each request is refused at once (nothing listens), so only the pace holds a client back."""
    port = free_port()
    with traffic(f"http://127.0.0.1:{port}", threads=1) as back_to_back:
        time.sleep(0.5)
    with traffic(f"http://127.0.0.1:{port}", threads=2, rate=10) as paced:
        time.sleep(0.5)
    assert len(back_to_back) > 20
    assert all(r.error for r in paced) and 2 <= len(paced) <= 2 * 6  # 10 a second: one now, then every 0.1 s

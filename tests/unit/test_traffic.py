"""The redeploy tests read a switch off the client's record: the reading itself must be right."""

from __future__ import annotations

from serving.traffic import Response, figures, flips_back, switches


def answer(sent: float, received: float, backend: str) -> Response:
    return Response(sent, received, "1" if backend == "a" else "2", backend)


def test_a_clean_switch_has_no_flip_back_even_with_requests_in_flight() -> None:
    responses = [answer(0, 1, "a"), answer(1, 2, "b"), answer(1.5, 2.5, "a"), answer(2, 3, "b")]
    assert switches(responses) == ["a", "b"]
    assert flips_back(responses) == []  # sent before b first answered
    assert figures(responses)["swap_overlap_s"] == [0.5]


def test_an_old_answer_to_a_request_sent_after_the_switch_is_a_flip_back() -> None:
    late = answer(2.5, 3, "a")
    assert flips_back([answer(0, 1, "a"), answer(1, 2, "b"), late]) == [late]


def test_failures_are_counted_and_widen_the_gap() -> None:
    failed = Response(1, 2, None, None, "ConnectionRefusedError")
    result = figures([answer(0, 1, "a"), failed, answer(2, 4, "a")])
    assert (result["requests"], result["failed"], result["longest_gap_between_successes_s"]) == (3, 1, 3.0)

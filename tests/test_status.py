"""`make status` compares ZenML's records with the live system, on hand-made answers (the real one runs
after every deploy in test_serving); with nothing deployed it says so and exits 0."""

from __future__ import annotations

from datetime import datetime

from zenml.client import Client

from commands import status
from commands.status import Live, Service, disagreements
from stacks.register import main as register_stacks

SINCE = datetime(2026, 12, 6, 9, 30)
SERVED = Service("uuid-2", "review_classifier", "2", "review_classifier:b2", 40002, True, SINCE)
OLD = Service("uuid-1", "review_classifier", "1", "review_classifier:b1", 40001, True, SINCE)
INFO = {"model_name": "review_classifier", "model_version": "2", "bento_model": "review_classifier:m2"}


def test_nothing_deployed_and_nothing_running_agree() -> None:
    assert disagreements([], Live(None, None, None), None) == []


def test_what_zenml_records_and_what_answers_agree() -> None:
    assert disagreements([SERVED], Live(3000, 40002, INFO), "2") == []


def test_a_front_door_without_a_service_is_named() -> None:
    assert disagreements([], Live(3000, None, None), None) == [
        "the front door runs on port 3000, but ZenML tracks no service"
    ]


def test_each_contradiction_of_zenmls_record_is_named() -> None:
    answered = {**INFO, "model_version": "1"}
    assert disagreements([SERVED, OLD], Live(3000, 40001, answered), "2") == [
        "ZenML tracks 2 services for the deploy step: ['uuid-2', 'uuid-1']",
        "the production version is 2, the deployed one 1",
    ]
    assert disagreements([SERVED], Live(3000, 40001, answered), "1") == [
        "the front door forwards to port 40001, ZenML's service listens on 40002",
        "the service answers as review_classifier version 1, ZenML's record says review_classifier version 2",
        "the production version is 1, the deployed one 2",
    ]
    stopped = SERVED._replace(running=False)
    assert disagreements([stopped], Live(None, None, None), "2") == [
        "ZenML's service uuid-2 is not running",
        "no front door runs",
    ]


def test_status_with_nothing_deployed_says_so(capsys) -> None:
    assert register_stacks(["local", "--env-file", "/dev/null"]) == 0
    client = Client()
    before = client.active_stack_model.name
    client.activate_stack("local")
    capsys.readouterr()
    try:
        assert status.main() == 0
    finally:
        client.activate_stack(before)
    assert capsys.readouterr().out == "nothing is deployed\n"

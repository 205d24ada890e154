"""The deployment record: what the front door serves, written by the deploy step only once it does.

The status command compares it with ZenML's services, the front door and the service itself;
ZenML's model version carries the same record as ``deployment`` metadata.
"""

from __future__ import annotations

import json
from typing import Optional, TypedDict

from serving.frontdoor import state_dir


class Deployment(TypedDict):
    model: str
    version: str
    bento: str
    bento_model: str
    url: str
    backend_port: int
    service_id: str
    since: str


def _path():
    return state_dir() / "deployment.json"


def write(deployment: Deployment) -> None:
    _path().parent.mkdir(parents=True, exist_ok=True)
    temporary = _path().with_suffix(".tmp")
    temporary.write_text(json.dumps(deployment, indent=2))
    temporary.replace(_path())  # never half written


def read() -> Optional[Deployment]:
    try:
        return json.loads(_path().read_text())
    except FileNotFoundError:
        return None


def clear() -> None:
    _path().unlink(missing_ok=True)

"""Vertex AI's custom-container contract, spoken by the same Bento image as the project's own API.

Vertex AI starts the container with ``AIP_MODE=PREDICTION`` and names, in environment variables, the
port to listen on (``AIP_HTTP_PORT``), the route it polls for health (``AIP_HEALTH_ROUTE``, GET, 200
once ready) and the route it forwards predictions to (``AIP_PREDICT_ROUTE``, POST
``{"instances": [...]}``, answered ``{"predictions": [...]}``). Both routes hold IDs known only once
the model is deployed to an endpoint, so they cannot be fixed in code: the adapter is a middleware
that, in prediction mode only (the convention of Triton, TGI and llama.cpp's Vertex support), sends
them to BentoML's ``/readyz`` and to the service's ``/vertex/predict``. Everything else (validation,
the one prediction path, BentoML's errors) is the service's own.

Only the standard library, pydantic and ASGI: the serving image runs this module.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Mapping, MutableMapping

from pydantic import BaseModel

from serving.api import Prediction

#: The service's route with Vertex's request and response shape; Vertex's own routes lead here.
PREDICT_ROUTE = "/vertex/predict"
#: BentoML's readiness route: 200 only once the service's ``__init__`` (model load and warm-up) is done.
READY_ROUTE = "/readyz"
#: The port Vertex sends requests to when the model's container spec declares none.
DEFAULT_HTTP_PORT = 8080


class VertexPredictions(BaseModel):
    """Vertex's response body: one prediction per instance, in order, each /predict's answer for that text."""

    predictions: List[Prediction]


def prediction_mode(environ: Mapping[str, str] = os.environ) -> bool:
    """True in a container Vertex AI runs to serve predictions."""
    return environ.get("AIP_MODE") == "PREDICTION"


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "")
    if not value.startswith("/"):
        raise RuntimeError(f"AIP_MODE=PREDICTION but {name} is {value!r}, not a route starting with '/'")
    return value


def service_settings(environ: Mapping[str, str] = os.environ) -> Dict[str, Any]:
    """``@bentoml.service`` settings in prediction mode: listen on ``AIP_HTTP_PORT``; else none."""
    if not prediction_mode(environ):
        return {}
    port = environ.get("AIP_HTTP_PORT") or str(DEFAULT_HTTP_PORT)
    if not port.isdigit():
        raise RuntimeError(f"AIP_MODE=PREDICTION but AIP_HTTP_PORT is {port!r}, not a port number")
    return {"http": {"port": int(port)}}


class VertexRoutes:
    """ASGI middleware: GET on the health route is ``/readyz``, POST on the predict route ``/vertex/predict``.

    By method too, because Vertex's default health route may equal its predict route. Any other
    request passes untouched, so ``/predict``, ``/explain``, ``/info/metadata`` and the probes answer
    as they do outside Vertex.
    """

    def __init__(self, app: Any, health_route: str, predict_route: str) -> None:
        self.app = app
        self.routes = {("GET", health_route): READY_ROUTE, ("POST", predict_route): PREDICT_ROUTE}

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            target = self.routes.get((scope["method"], scope["path"]))
            if target is not None:
                scope = {**scope, "path": target, "raw_path": target.encode()}
        await self.app(scope, receive, send)


def middleware_options(environ: Mapping[str, str] = os.environ) -> Dict[str, str]:
    """:class:`VertexRoutes`' routes, from the variables Vertex sets (an unset or malformed one is named)."""
    return {
        "health_route": _required(environ, "AIP_HEALTH_ROUTE"),
        "predict_route": _required(environ, "AIP_PREDICT_ROUTE"),
    }

"""The front door's nginx configuration, rendered from ``templates/nginx.conf.j2`` once, when it starts.

nginx reads its configuration only at start and on reload, and a reload closes the idle
kept-alive connections of its old workers: a client sending on one just then would fail. So
the configuration never changes while it serves. It names two backend ports from the start,
``blue`` and ``green``, and the existence of the flag file (tested on every request) picks one:
a deploy starts the new service on the port not in use, and creating or deleting the flag moves
every new request at once, with no reload and no connection closed.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple, Optional

from review_classifier.templating import renderer

#: Request bodies up to this size are accepted (the service itself bounds texts and their number).
MAX_BODY = "8m"
#: The response header naming the backend address that answered: the status command checks it.
BACKEND_HEADER = "X-Backend"
#: nginx's temporary files, under the prefix: its compiled-in defaults need root.
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
#: Connections per worker: a proxied request holds two, and idle clients hold one each until timed out.
CONNECTIONS = 8192
#: Requests in progress from one client address before the front door answers 429.
PER_CLIENT = 256
#: How long a client may stay silent in its request headers or body (and a response unread).
CLIENT_TIMEOUT = "10s"
#: Idle upstream connections each worker keeps to each backend, and the requests each carries before it is
#: replaced (kept connections save a connect per request; replacing them keeps the backend's workers evenly loaded).
UPSTREAM_IDLE = 64
UPSTREAM_REQUESTS = 100
_render_template = renderer(Path(__file__).parent / "templates")


class Backends(NamedTuple):
    """A front door's two backend ports: ``blue`` serves while the flag file is absent, ``green`` while it is there."""

    blue: int
    green: int

    def other(self, port: int) -> int:
        """The port of the color that ``port`` is not."""
        if port not in self:
            raise ValueError(f"port {port} is neither of the front door's backends {tuple(self)}")
        return self.green if port == self.blue else self.blue


def render(port: int, backends: Backends, flag: Path, *, user: Optional[str] = None) -> str:
    """nginx.conf for a front door on 127.0.0.1:``port`` forwarding to ``backends`` as ``flag`` says.

    Paths are relative to nginx's prefix (``-p``), the serving state directory, except ``flag``.
    ``user`` is for a master started as root: its workers run as that user, not ``nobody``,
    so they can read the state directory.
    """
    return _render_template(
        "nginx.conf.j2",
        port=port,
        colors=[("blue", backends.blue, backends.green), ("green", backends.green, backends.blue)],
        flag=flag,
        user=user,
        workers="auto",
        connections=CONNECTIONS,
        per_client=PER_CLIENT,
        client_timeout=CLIENT_TIMEOUT,
        upstream_idle=UPSTREAM_IDLE,
        upstream_requests=UPSTREAM_REQUESTS,
        max_body=MAX_BODY,
        temp_paths=TEMP_PATHS,
        backend_header=BACKEND_HEADER,
    )


def answering_port(header: Optional[str]) -> Optional[int]:
    """The backend port in ``BACKEND_HEADER``: nginx lists every address it tried, the last one answered."""
    if not header:
        return None
    try:
        return int(header.rsplit(",", 1)[-1].rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return None

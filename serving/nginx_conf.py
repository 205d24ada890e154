"""The front door's nginx configuration, rendered from ``templates/nginx.conf.j2``: every switch is a
rendering plus a reload.

nginx reads its configuration only at start and on reload, and during a reload old and new
workers accept connections side by side for a moment. So a switch never relies on a reload
alone: the configuration names both backends, and the existence of ``flag`` (tested on every
request) picks one. Creating that file moves every new request at once; the reloads before
and after only ever change which backends are known, never where a request goes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from review_classifier.templating import renderer

#: Request bodies up to this size are accepted (the service itself bounds texts and their number).
MAX_BODY = "8m"
#: The response header naming the backend that answered: the status command checks it.
BACKEND_HEADER = "X-Backend"
#: nginx's temporary files, under the prefix: its compiled-in defaults need root.
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
_render_template = renderer(Path(__file__).parent / "templates")


def render(
    port: int,
    backend: int,
    *,
    flag: Optional[Path] = None,
    next_backend: Optional[int] = None,
    user: Optional[str] = None,
) -> str:
    """nginx.conf for a front door on 127.0.0.1:``port`` forwarding to 127.0.0.1:``backend``.

    With ``next_backend`` (and ``flag``), requests go there instead once ``flag`` exists.
    Paths are relative to nginx's prefix (``-p``), the serving state directory.
    ``user`` is for a master started as root: its workers run as that user, not ``nobody``,
    so they can read the state directory.
    """
    if (next_backend is None) != (flag is None):
        raise ValueError("next_backend and flag go together")
    return _render_template(
        "nginx.conf.j2",
        port=port,
        backend=backend,
        flag=flag,
        next_backend=next_backend,
        user=user,
        max_body=MAX_BODY,
        temp_paths=TEMP_PATHS,
        backend_header=BACKEND_HEADER,
    )

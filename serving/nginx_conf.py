"""The front door's nginx configuration, as text: pure, so every switch is a rendering plus a reload.

nginx reads its configuration only at start and on reload, and during a reload old and new
workers accept connections side by side for a moment. So a switch never relies on a reload
alone: the configuration names both backends, and the existence of ``flag`` (tested on every
request) picks one. Creating that file moves every new request at once; the reloads before
and after only ever change which backends are known, never where a request goes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

#: Request bodies up to this size are accepted (the service itself bounds texts and their number).
MAX_BODY = "8m"
#: The response header naming the backend that answered: the status command checks it.
BACKEND_HEADER = "X-Backend"
#: nginx's temporary files, under the prefix: its compiled-in defaults need root.
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


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
    choice = f"    set $backend 127.0.0.1:{backend};\n"
    if next_backend is not None:
        choice += f"    if (-f {flag}) {{\n      set $backend 127.0.0.1:{next_backend};\n    }}\n"
    temp = "".join(f"  {kind}_temp_path temp/{kind};\n" for kind in TEMP_PATHS)
    return (
        (f"user {user};\n" if user else "")
        + "worker_processes 1;\n"
        + "pid nginx.pid;\n"
        + "events {\n  worker_connections 1024;\n}\n"
        + "http {\n"
        + "  access_log off;\n"
        + temp
        + "  server {\n"
        + f"    listen 127.0.0.1:{port};\n"
        # No keep-alive to clients: a reload closes idle kept-alive connections, and a request
        # sent on one just then would fail on the client's side.
        + "    keepalive_timeout 0;\n"
        + f"    client_max_body_size {MAX_BODY};\n"
        + choice
        + "    location / {\n"
        + "      proxy_pass http://$backend;\n"
        # Never retried behind the client's back: a failure is the client's to see and count.
        + "      proxy_next_upstream off;\n"
        + "      proxy_read_timeout 60s;\n"
        + "      proxy_set_header Host $host;\n"
        + f"      add_header {BACKEND_HEADER} $backend always;\n"
        + "    }\n"
        + "  }\n"
        + "}\n"
    )

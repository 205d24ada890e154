"""The ZenML server remote stacks need, as a process on loopback with its own config and SQLite DB.

It is the server teams deploy (``zenml.zen_server``), run by uvicorn. Its global config
is not the client's, so a client logged in to it sees a remote server, which is what
the remote stacks require; its containers reach it on loopback too (host network).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from supervisor.processes import Started, http_status, start_ready

USER = "default"
#: The client's variables a server must not inherit: its store (a URL, user and password of the server
#: itself), and the project's repository and source root.
NOT_THE_SERVERS = ("ZENML_STORE_", "ZENML_REPOSITORY_PATH", "ZENML_CUSTOM_SOURCE_ROOT")


def start_server(directory: Path, port: int, password: str) -> Started:
    """Start the server in ``directory`` (config, database, log) on 127.0.0.1:``port``; returns once it is up."""
    directory.mkdir(parents=True, exist_ok=True)
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith(NOT_THE_SERVERS)},
        "ZENML_CONFIG_PATH": str(directory / "config"),
        "ZENML_SERVER": "true",
        "ZENML_STORE_URL": f"sqlite:///{directory / 'zenml.db'}",
        "ZENML_SERVER_AUTO_ACTIVATE": "true",
        "ZENML_DEFAULT_USER_NAME": USER,
        "ZENML_DEFAULT_USER_PASSWORD": password,
        # Signs the server's tokens; kept with the database so tokens survive a restart.
        "ZENML_SERVER_JWT_SECRET_KEY": _jwt_secret(directory),
        "ZENML_SERVER_DEPLOYMENT_TYPE": "other",
        "ZENML_ANALYTICS_OPT_IN": "false",
    }
    argv = [sys.executable, "-m", "uvicorn", "zenml.zen_server.zen_server_api:app"]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    # Started from its own directory, not the project: a server must not pick up the project's .zen.
    health = f"http://127.0.0.1:{port}/health"
    log = directory / "server.log"
    return start_ready("ZenML server", argv, log, lambda: http_status(health) == 200, 180, env=env, cwd=directory)


def _jwt_secret(directory: Path) -> str:
    path = directory / "jwt-secret"
    if not path.exists():
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()

"""A backend for front-door tests that need no model: ``python tests/tiny_backend.py PORT NAME``.

HTTP/1.1 with keep-alive, like the BentoML service: ``GET /readyz`` answers 200 and ``POST /predict``
answers one prediction per text whose ``model_version`` is NAME, so a client can tell backends apart.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self._answer(b"" if self.path == "/readyz" else None)

    def do_POST(self) -> None:  # noqa: N802
        texts = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["texts"]
        answer = [{"label": "positive", "probability": 1.0, "model_version": self.server.name}] * len(texts)
        self._answer(json.dumps(answer).encode() if self.path == "/predict" else None)

    def _answer(self, body: bytes | None) -> None:
        self.send_response(404 if body is None else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args) -> None:
        """Quiet: the tests read answers, not logs."""


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.name = sys.argv[2]
    server.serve_forever()

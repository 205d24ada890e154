"""commands.quiet: TensorFlow starts without its C++ start-up lines, and nothing else is lost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]

PROGRAM = """
import importlib.util, sys
from commands.quiet import quiet_process
quiet_process()
importlib.util.find_spec("tensorflow")  # a library probing for TensorFlow must not use up the filter
import tensorflow
print("our own stderr line", file=sys.stderr)
"""


def test_tensorflow_imports_quietly_and_stderr_still_works() -> None:
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "our own stderr line\n"


HTTP_PROGRAM = """
import logging, threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from commands.quiet import quiet_process
quiet_process()
logging.basicConfig(level=logging.INFO)  # the level ZenML sets
import httpx

class Ok(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass

server = HTTPServer(("127.0.0.1", 0), Ok)
threading.Thread(target=server.serve_forever, daemon=True).start()
assert httpx.get(f"http://127.0.0.1:{server.server_port}/readyz", timeout=10).status_code == 200
logging.getLogger("project").info("our own log line")
"""


def test_http_requests_are_not_logged_one_by_one() -> None:
    result = subprocess.run(
        [sys.executable, "-c", HTTP_PROGRAM], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "INFO:project:our own log line\n"

"""A Bento served by ``bentoml serve`` on loopback, as the benchmarks measure it."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from supervisor import processes

BENTOML = str(Path(sys.executable).parent / "bentoml")


@contextmanager
def served(bento_tag: str, log: Path, timeout: float = 300) -> Iterator[str]:
    """The Bento served on a free loopback port until the block ends (arbiter and workers stopped
    together, also on failure); its URL once ``/readyz`` answers (the socket accepts before the model
    is loaded)."""
    port = processes.free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [BENTOML, "serve", bento_tag, "--host", "127.0.0.1", "--port", str(port)]
    started = processes.start_ready(
        bento_tag, argv, log, lambda: processes.http_status(f"{url}/readyz") == 200, timeout
    )
    try:
        yield url
    finally:
        processes.stop(started)

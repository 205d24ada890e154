"""A Bento served by ``bentoml serve`` on loopback, as the benchmarks measure it, and its worker count."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from supervisor import processes

BENTOML = str(Path(sys.executable).parent / "bentoml")


def serving_workers(bento_tag: str) -> int:
    """How many worker processes serving the Bento starts: BentoML's own count from the service's
    ``workers`` (``"cpu_count"`` is the CPUs the container is given), for ZenML's record of the deployment."""
    import bentoml
    from _bentoml_impl.server.allocator import ResourceAllocator

    service = bentoml.load(bento_tag)
    service.inject_config()
    return ResourceAllocator().get_worker_env(service)[0]


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

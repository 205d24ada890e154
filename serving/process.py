"""Starting, probing and stopping a served Bento as a process on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import httpx

BENTOML = str(Path(sys.executable).parent / "bentoml")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serving_workers(bento_tag: str) -> int:
    """How many worker processes serving the Bento starts: BentoML's own count from the service's
    ``workers`` (``"cpu_count"`` is the CPUs the container is given), for ZenML's record of the deployment."""
    import bentoml
    from _bentoml_impl.server.allocator import ResourceAllocator

    service = bentoml.load(bento_tag)
    service.inject_config()
    return ResourceAllocator().get_worker_env(service)[0]


def wait_until_ready(
    url: str, timeout: float, process: Optional[subprocess.Popen] = None, path: str = "/readyz"
) -> None:
    """Poll ``url + path`` (short per-request timeouts: the socket accepts before the model is loaded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"service at {url} exited with code {process.returncode} before becoming ready")
        try:
            if httpx.get(url + path, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"service at {url} not ready after {timeout:.0f} s")


def serve_bento(bento_tag: str, port: int, log: Path) -> subprocess.Popen:
    """``bentoml serve TAG`` on 127.0.0.1:port in its own process group."""
    with log.open("w") as out:
        return subprocess.Popen(
            [BENTOML, "serve", bento_tag, "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM the whole group (arbiter and workers), SIGKILL if it lingers."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


@contextmanager
def served(bento_tag: str, log: Path, timeout: float = 300) -> Iterator[str]:
    """The Bento served on a free loopback port until the block ends; its URL once ready.

    A service that never becomes ready raises with the end of its log, which
    would otherwise go when ``log``'s scratch directory does.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = serve_bento(bento_tag, port, log)
    try:
        try:
            wait_until_ready(url, timeout, process)
        except (RuntimeError, TimeoutError) as error:
            raise RuntimeError(f"{bento_tag}: {error}\n{log.read_text()[-3000:]}") from error
        yield url
    finally:
        stop(process)

"""The S3 object store of the container world: moto's server with the artifact bucket.

It keeps objects in memory: whatever refers to them (the world's ZenML database) must start fresh with it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from supervisor import processes

BUCKET = "review-classifier"
#: The ZenML secret holding the store's keys, named by the ``docker`` stack's artifact store.
SECRET = "review-classifier-s3"
KEY_ID = "review-classifier"


def start(directory: Path, port: int, key_id: str, secret_key: str) -> processes.Started:
    """The store on 127.0.0.1:``port``, its bucket made; returns once both are there."""
    endpoint = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    env = {**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "true"}
    # Any answer will do: moto's server has no health URL.
    started = processes.start_ready(
        "S3 server", argv, directory / "moto.log", lambda: processes.http_status(endpoint) is not None, 60, env=env
    )
    try:
        import boto3

        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=key_id,
            aws_secret_access_key=secret_key,
            region_name="us-east-1",
        )
        s3.create_bucket(Bucket=BUCKET)
    except Exception:
        processes.stop(started)
        raise
    return started

"""What identifies the version of the data a training run reads, known on the client before any step runs.

The training pipeline passes it to ``ingest`` as a parameter, so it is part of ingest's cache key: an
unchanged file is a cache hit, and ZenML finds it on the client, with those of the cached steps whose
inputs all come from cached steps, before it starts any step's container or pod; a file rewritten in place
is read again. ZenML's own ways to key a cache on data do not fit: a ``CachePolicy.cache_func`` takes no
argument, so it cannot know ``data_uri``, and it is called again where the step runs, where the client's
local file is not; ``file_dependencies`` are local files under the source root, and a missing one fails
the run with ZenML's message instead of ingest's, which names the file.

The fingerprint is taken when the pipeline is compiled: the runs of a schedule all reuse the one taken when
it was made, so run.py reads their data uncached (``commands/pipeline.py: configured_pipeline``). A snapshot
run again from the ZenML dashboard reuses its fingerprint too; run.py takes a new one for each run.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Optional

from zenml.client import Client
from zenml.io import fileio

from stacks.reachability import drop_listings_cache
from steps.ingest import resolve_uri

logger = logging.getLogger(__name__)

#: What object stores say identifies one version of an object: S3's ETag (and VersionId in a versioned
#: bucket), Google Cloud Storage's generation and MD5, Azure Blob Storage's etag.
VERSION_FIELDS = ("ETag", "VersionId", "generation", "md5Hash", "etag")


def data_fingerprint(data_uri: str) -> Optional[str]:
    """The SHA-256 of a local file's bytes; for an object-store URI, what the store says identifies this
    version of the object, and its size.

    None when neither can be known here (a missing file, a URI this client cannot read, a store that names
    no version): then ingest must run uncached, since nothing tells a changed file from the cached one.
    """
    uri = resolve_uri(data_uri)
    try:
        fingerprint = _object_version(uri) if "://" in uri else _file_digest(uri)
    except Exception as error:  # whatever the reason, the run reads the data again rather than risk a wrong hit
        logger.info("%s has no fingerprint (%s: %s): ingest runs uncached", data_uri, type(error).__name__, error)
        return None
    logger.info("%s has the fingerprint %s: an unchanged re-run may take ingest from the cache", data_uri, fingerprint)
    return fingerprint


def _file_digest(path: str) -> str:
    with open(path, "rb") as file:
        return "sha256:" + hashlib.file_digest(file, "sha256").hexdigest()


def _object_version(uri: str) -> str:
    drop_listings_cache(Client().active_stack.artifact_store, uri)
    info = fileio.stat(uri)
    version = {name: info[name] for name in VERSION_FIELDS if info.get(name)} if isinstance(info, dict) else {}
    if not version:
        raise LookupError(f"the store names no version of the object: {info}")
    return ", ".join(f"{name} {value}" for name, value in {**version, "size": info.get("size")}.items())

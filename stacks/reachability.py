"""Which of the active stack's services does not answer: the ZenML server, the container registry, the
artifact store.

Without these checks, a registry that is down fails a run after its image is built, and a store or server
that stops mid-run fails it deep inside ZenML or Docker with a traceback about a socket. These checks name
the component and where it should answer: the registry before a run, the server and the store after a run
has failed.
"""

from __future__ import annotations

from typing import Any, Optional

import httpx

#: Long enough for a registry or server across a network, short enough for a user waiting on an error.
TIMEOUT_S = 5


def _no_answer(urls: list[str]) -> Optional[str]:
    """None if any of ``urls`` answers with any HTTP status; else why none answered."""
    causes = []
    for url in urls:
        try:
            httpx.get(url, timeout=TIMEOUT_S, verify=False)  # any answer will do, from any certificate
            return None
        except httpx.TransportError as error:
            causes.append(f"{url}: {error or type(error).__name__}")
    return "; ".join(causes)


def unreachable_registry() -> Optional[str]:
    """What to tell the user if the active stack builds its step image here and pushes it to a registry
    that does not answer; None otherwise (no registry, a remote builder, or an answer, 401 included).

    Docker talks HTTPS to a registry, plain HTTP only to one it trusts as insecure (loopback by default):
    an answer on either is enough here.
    """
    from zenml.client import Client

    stack = Client().active_stack
    registry, builder = stack.container_registry, stack.image_builder
    if registry is None or builder is None or builder.flavor != "local" or stack.orchestrator.flavor == "local":
        return None  # no registry, a remote builder, or steps in this process: nothing pushed from here
    host = registry.config.uri.split("/", 1)[0]
    cause = _no_answer([f"https://{host}/v2/", f"http://{host}/v2/"])
    if cause is None:
        return None
    return (
        f"the container registry '{registry.name}' of the stack '{stack.name}' at {registry.config.uri} does not "
        f"answer ({cause}); the step image is pushed there before any step runs. Start it (the `docker` stack's "
        "registry: `make containers`) or register the stack with a registry that answers"
    )


def unreachable_server() -> Optional[str]:
    """What to tell the user if the client works against a ZenML server that does not answer; None otherwise."""
    from zenml.config.global_config import GlobalConfiguration
    from zenml.enums import StoreType

    store = GlobalConfiguration().store_configuration
    if store.type != StoreType.REST:
        return None
    cause = _no_answer([f"{store.url.rstrip('/')}/health"])
    return None if cause is None else f"the ZenML server at {store.url} does not answer ({cause})"


def drop_listings_cache(store: Any, path: Optional[str] = None) -> None:
    """Make the next question to ``store`` (an artifact store) reach the store itself: an fsspec filesystem (the
    S3, GCS and Azure stores') answers from a listings cache made earlier, e.g. the old ETag of a changed
    object. ``path`` only, or all; nothing for a filesystem without such a cache."""
    invalidate = getattr(getattr(store, "filesystem", None), "invalidate_cache", None)
    if invalidate:
        invalidate(path)


def unreachable_artifact_store() -> Optional[str]:
    """What to tell the user if the active stack's artifact store cannot be reached (no answer, or no access:
    the cause says which); None otherwise.

    Asked through ZenML's own filesystem for the store, so it is the same client, endpoint and credentials
    the steps use.
    """
    from zenml.client import Client

    store = Client().active_stack.artifact_store
    try:
        drop_listings_cache(store)
        store.exists(store.path)
    except Exception as error:  # whatever the filesystem raises is the cause to show
        endpoint = (getattr(store.config, "client_kwargs", None) or {}).get("endpoint_url")
        where = f"{store.path}" + (f" (endpoint {endpoint})" if endpoint else "")
        return f"the artifact store '{store.name}' at {where} cannot be reached ({type(error).__name__}: {error})"
    return None

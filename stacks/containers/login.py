"""The ZenML side of the container world: this client logged in to the world's server, the object store's
keys as a ZenML secret, the ``docker`` stack registered; and logged out again, back on the user's stack."""

from __future__ import annotations

import os
from typing import Optional

from stacks import register, zenml_server
from stacks.containers import object_store
from stacks.containers.state import World


def connect(world: World) -> str:
    """Log this process's ZenML client in to the world's server, store the S3 keys as the ZenML secret,
    and register the ``docker`` stack (all idempotent); the registration summary."""
    from zenml.client import Client
    from zenml.config.global_config import GlobalConfiguration
    from zenml.zen_stores.rest_zen_store import RestZenStoreConfiguration

    config = GlobalConfiguration()
    if config.store_configuration.url != world.zenml_url:
        world.previous_stack = Client().active_stack_model.name
        config.set_store(
            RestZenStoreConfiguration(url=world.zenml_url, username=zenml_server.USER, password=world.zenml_password)
        )
    client = Client()
    values = {"aws_access_key_id": world.s3_key_id, "aws_secret_access_key": world.s3_secret_key}
    try:
        secret = client.get_secret(object_store.SECRET, allow_partial_name_match=False)
        if secret.secret_values != values:
            client.update_secret(object_store.SECRET, add_or_update_values=values)
    except KeyError:
        client.create_secret(object_store.SECRET, values=values)
    definition, missing = register.load_definition(
        register.STACKS_DIR / "docker.yaml", {**os.environ, **world.stack_environment()}
    )
    assert not missing, missing
    return register.register(definition, client)


def disconnect(world: World) -> Optional[str]:
    """Back to the local store, on the stack that was active there before ``connect``, if this process's
    client is logged in to the world's server; what the user is left with, for them to read.

    Without this the repository would still name the server's ``docker`` stack, which the local store
    does not have, and ZenML would fall back to its ``default`` stack: the next ``make run`` would train
    from scratch there and ``make serve`` find no model deployer.
    """
    from zenml.client import Client
    from zenml.config.global_config import GlobalConfiguration

    config = GlobalConfiguration()
    if not world.zenml_url or config.store_configuration.url != world.zenml_url:
        return None
    config.set_default_store()
    client = Client()
    if world.previous_stack:
        try:
            client.activate_stack(world.previous_stack)
        except KeyError:
            return f"back on the local store; its stack '{world.previous_stack}' is gone: `zenml stack set NAME`"
    return f"back on the local store, stack '{client.active_stack_model.name}'"

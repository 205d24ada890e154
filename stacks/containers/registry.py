"""The image registry of the container world: Debian's ``docker-registry`` (Distribution) on loopback, its
configuration rendered from ``templates/registry.yml.j2``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from review_classifier.templating import renderer
from stacks.containers import WorldError
from stacks.containers.apt import program
from supervisor import processes

_render_template = renderer(Path(__file__).parent / "templates")


def config(address: str, storage: Path) -> str:
    """Distribution's configuration: listening on ``address``, images kept in ``storage``, deletes allowed."""
    return _render_template("registry.yml.j2", address=address, storage=str(storage))


def ensure(address: str, directory: Path) -> Optional[processes.Started]:
    """A registry answering on ``address``: one already there is reused (None), else one is started with its
    configuration, log and images in ``directory``."""
    url = f"http://{address}/v2/"
    if processes.http_status(url) == 200:
        return None
    holder = processes.port_holder(int(address.rsplit(":", 1)[1]))
    if holder is not None:
        raise WorldError(f"{address} is held by {holder}, which is not a registry")
    directory.mkdir(parents=True, exist_ok=True)
    config_file = directory / "config.yml"
    config_file.write_text(config(address, directory / "data"))
    argv = [program("docker-registry") or "docker-registry", "serve", str(config_file)]
    return processes.start_ready(
        "docker-registry", argv, directory / "registry.log", lambda: processes.http_status(url) == 200, 60
    )

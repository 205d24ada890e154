"""The Debian packages the container world runs, installed with apt-get as root (``make container-tools``)."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import List, Optional

from stacks.containers import WorldError

#: Debian package -> the program of it the world runs.
DEBIAN_PACKAGES = {"docker.io": "dockerd", "docker-registry": "docker-registry", "mmdebstrap": "mmdebstrap"}


def program(name: str) -> Optional[str]:
    """Where ``name`` is installed; Debian puts daemons in /usr/sbin, which is not on every user's PATH."""
    return shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.access(p, os.X_OK)), None
    )


def install(packages: Optional[List[str]] = None) -> None:
    """Install the Debian ``packages`` the world needs (default: all) as root with apt-get, or say how."""
    wanted = packages if packages is not None else list(DEBIAN_PACKAGES)
    missing = [package for package in wanted if program(DEBIAN_PACKAGES[package]) is None]
    if not missing:
        return
    command = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise WorldError(
            f"the container world needs {', '.join(missing)}: {' '.join(command)} (Debian/Ubuntu, as root); "
            "(with a Docker daemon of your own, docker.io is not needed)"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(command, env=env).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, check=True)
        subprocess.run(command, env=env, check=True)

"""A parent image for the step image made from Debian packages, for daemons that cannot pull from Docker Hub.

ZenML's official parent image (``zenmldocker/zenml``) is the default; where Docker Hub is
unreachable this one stands in: Debian bookworm's Python 3.11 in a virtual environment at
``/opt/venv`` (first on PATH, so ZenML's ``pip install uv`` and ``uv pip install`` install
there), with this machine's CA bundle, so pip and uv in ``docker build`` reach the same
package index the host does. Built once with mmdebstrap and ``docker import``, then cached
in the daemon (only rebuilt when the image is missing) and pushed to the stack's registry, where
ZenML reads its digest to tell whether a build can be reused.
"""

from __future__ import annotations

import ssl
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from stacks.containers import apt

LOCAL_PARENT_IMAGE = "review-classifier/python:3.11-bookworm"  # in a registry: REGISTRY/LOCAL_PARENT_IMAGE
DEBIAN_SUITE = "bookworm"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
PACKAGES = ["python3.11", "python3.11-venv", "python3-pip", "ca-certificates"]
CA_BUNDLE_IN_IMAGE = "/etc/ssl/certs/ca-certificates.crt"
#: mmdebstrap's hooks for a merged /usr made as debootstrap makes it: bookworm's apt would otherwise pick the
#: usrmerge package to convert the tree, and the Perl it runs on (48 MB of the image).
MERGED_USR_HOOKS = "/usr/share/mmdebstrap/hooks/merged-usr"
IMAGE_ENVIRONMENT = {
    "VIRTUAL_ENV": "/opt/venv",
    "PATH": "/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "SSL_CERT_FILE": CA_BUNDLE_IN_IMAGE,  # uv
    "PIP_CERT": CA_BUNDLE_IN_IMAGE,  # pip uses its own bundle otherwise
    "PYTHONUNBUFFERED": "1",
    "LANG": "C.UTF-8",
}


def host_ca_bundle() -> Path:
    """The CA bundle this machine's pip and uv trust (``SSL_CERT_FILE`` or OpenSSL's default)."""
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile, "/etc/ssl/certs/ca-certificates.crt"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise RuntimeError("no CA bundle found on this machine (SSL_CERT_FILE, /etc/ssl/certs/ca-certificates.crt)")


def image_exists(client: Any, name: str) -> bool:
    import docker.errors

    try:
        client.images.get(name)
        return True
    except docker.errors.ImageNotFound:
        return False


def ensure_parent_image(client: Any, work_dir: Path, registry: str) -> str:
    """The image in ``registry``, pushed from the daemon of ``client``; made first unless the daemon has it under
    :data:`LOCAL_PARENT_IMAGE` (whichever registry it was pushed to before). Its name in the registry."""
    if not image_exists(client, LOCAL_PARENT_IMAGE):
        _build(client, work_dir, LOCAL_PARENT_IMAGE)
    name = f"{registry}/{LOCAL_PARENT_IMAGE}"
    repository, tag = name.rsplit(":", 1)
    client.images.get(LOCAL_PARENT_IMAGE).tag(repository, tag)
    for line in client.images.push(repository, tag, stream=True, decode=True):
        if "error" in line:
            raise RuntimeError(f"pushing {name} failed: {line['error']}")
    return name


def _build(client: Any, work_dir: Path, name: str) -> None:
    """The root file system as a tar archive, made by mmdebstrap (apt's own resolver and parallel downloads,
    the package caches left out), then ``docker import``."""
    mmdebstrap = apt.program("mmdebstrap")
    if mmdebstrap is None:
        raise RuntimeError("the local parent image needs mmdebstrap: apt-get install mmdebstrap")
    work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work_dir, prefix="rootfs-") as scratch:
        archive = Path(scratch) / "rootfs.tar"
        log = work_dir / "mmdebstrap.log"
        customize = [
            f"upload {host_ca_bundle()} {CA_BUNDLE_IN_IMAGE}",
            'chroot "$1" python3.11 -m venv /opt/venv',
        ]
        with log.open("w") as out:
            done = subprocess.run(
                [mmdebstrap, "--variant=minbase", f"--include={','.join(PACKAGES)}", f"--hook-dir={MERGED_USR_HOOKS}"]
                + [f"--customize-hook={hook}" for hook in customize]
                + [DEBIAN_SUITE, str(archive), DEBIAN_MIRROR],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        if done.returncode != 0:
            raise RuntimeError(f"mmdebstrap failed ({done.returncode}); end of {log}:\n{log.read_text()[-3000:]}")
        repository, tag = name.rsplit(":", 1)
        changes = [f"ENV {key}={value}" for key, value in IMAGE_ENVIRONMENT.items()] + ['CMD ["python"]']
        client.api.import_image(src=str(archive), repository=repository, tag=tag, changes=changes)
    if not image_exists(client, name):
        raise RuntimeError(f"docker import did not produce {name}")

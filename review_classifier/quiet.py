"""Process-wide quieting of our libraries' noise, called first by every entry point.

Here rather than in ``run.py`` because the Bento ships only this package and the service needs it too.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import logging
import os
import re
import sys
import tempfile
from contextlib import contextmanager
from types import ModuleType
from typing import Iterator, Optional, Sequence

#: What TensorFlow 2.21's C++ start-up writes to stderr while ``import tensorflow`` loads its
#: libraries, once per copy of absl (two): before absl's logging is initialized, so
#: TF_CPP_MIN_LOG_LEVEL cannot reach it. Turning oneDNN off would silence it but change the numerics.
TENSORFLOW_STARTUP_LINE = re.compile(
    r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR\n"
    r"|I\d{4} [\d:.]+ +\d+ port\.cc:\d+\] oneDNN custom operations are on\..*\n"
)


@contextmanager
def _stderr_without_tensorflow_startup() -> Iterator[None]:
    """Catch what is written to file descriptor 2 (C++ code too) and pass on all but the start-up lines."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            rest = TENSORFLOW_STARTUP_LINE.sub("", caught.read().decode(errors="replace"))
            if rest:
                sys.stderr.write(rest)
                sys.stderr.flush()


class _QuietTensorFlowLoader(importlib.abc.Loader):
    """TensorFlow's own loader, run with its start-up lines filtered out."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self.loader = loader

    def __getattr__(self, name: str):
        return getattr(self.loader, name)  # resource readers, get_filename...

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> Optional[ModuleType]:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        with _stderr_without_tensorflow_startup():
            self.loader.exec_module(module)


class _QuietTensorFlowFinder(importlib.abc.MetaPathFinder):
    """Wraps ``import tensorflow``, whoever does it first (Keras, ZenML, BentoML).

    It stays on ``sys.meta_path``: a mere ``importlib.util.find_spec("tensorflow")`` (libraries
    probing for TensorFlow) must not use it up before the real import.
    """

    def find_spec(self, name: str, path: Optional[Sequence[str]] = None, target: Optional[ModuleType] = None):
        if name != "tensorflow":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietTensorFlowLoader(spec.loader)
        return spec


#: ZenML's advice to drop Docker settings on a stack without containers. Every pipeline carries
#: the one image definition of the container stacks (pipelines/docker_settings.py) so that code
#: never changes between stacks; on `local` that advice is wrong, and it came with every run.
UNUSED_DOCKER_SETTINGS = "[ZML002]"


def _not_unused_docker_settings(record: logging.LogRecord) -> bool:
    return not record.getMessage().startswith(UNUSED_DOCKER_SETTINGS)


def quiet_process() -> None:
    """No analytics calls from ZenML, no colour codes in its logs, no TensorFlow start-up lines, no
    advice to drop the image settings, no log line per HTTP request (httpx logs each at INFO, the
    level ZenML sets: a readiness poll or a load client would flood the logs).

    Call before ZenML or TensorFlow is imported. An explicit ``ZENML_ANALYTICS_OPT_IN``,
    ``ZENML_LOGGING_COLORS_DISABLED`` or ``TF_CPP_MIN_LOG_LEVEL`` is kept.
    """
    os.environ.setdefault("ZENML_ANALYTICS_OPT_IN", "false")  # nothing leaves the machine
    os.environ.setdefault("ZENML_LOGGING_COLORS_DISABLED", "true")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    warnings = logging.getLogger("zenml.utils.warnings.controller")
    if _not_unused_docker_settings not in warnings.filters:
        warnings.addFilter(_not_unused_docker_settings)
    if "tensorflow" not in sys.modules and not any(isinstance(f, _QuietTensorFlowFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _QuietTensorFlowFinder())

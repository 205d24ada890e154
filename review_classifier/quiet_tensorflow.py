"""TensorFlow imported without its C++ start-up lines: the package's own heavy import, quiet wherever it runs.

Here, not with the entry points' ZenML settings (commands/quiet.py), because the Bento ships only this
package and the service imports TensorFlow too.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
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


def quiet_tensorflow() -> None:
    """No TensorFlow start-up lines, and TensorFlow's own C++ logging at warnings and above.

    Call before TensorFlow is imported. An explicit ``TF_CPP_MIN_LOG_LEVEL`` is kept.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if "tensorflow" not in sys.modules and not any(isinstance(f, _QuietTensorFlowFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _QuietTensorFlowFinder())

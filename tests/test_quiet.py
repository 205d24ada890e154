"""review_classifier.quiet: TensorFlow starts without its C++ start-up lines, and nothing else is lost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]

PROGRAM = """
import importlib.util, sys
from review_classifier.quiet import quiet_process
quiet_process()
importlib.util.find_spec("tensorflow")  # a library probing for TensorFlow must not use up the filter
import tensorflow
print("our own stderr line", file=sys.stderr)
"""


def test_tensorflow_imports_quietly_and_stderr_still_works() -> None:
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "our own stderr line\n"

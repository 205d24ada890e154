"""Throw-away state for a process that trains or serves but must not touch the user's: the tests and the
benchmarks get a ZenML store and repository, a BentoML home and a front door state directory of their own.
Called before ZenML or BentoML is imported, since both read their locations once, at import."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def scratch_environment(prefix: str) -> Path:
    """A new scratch folder, and the environment pointing every store into it; the folder."""
    scratch = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ.update(
        {
            "ZENML_CONFIG_PATH": str(scratch / "zenml-config"),
            "ZENML_REPOSITORY_PATH": str(scratch / "repository"),
            # Sources (steps, cache file dependencies) still resolve against the project.
            "ZENML_CUSTOM_SOURCE_ROOT": str(PROJECT_ROOT),
            "ZENML_ANALYTICS_OPT_IN": "false",
            "BENTOML_HOME": str(scratch / "bentoml"),
            "BENTOML_DO_NOT_TRACK": "true",
            # The front door's state: never the project's own .serving/.
            "REVIEW_CLASSIFIER_SERVING_DIR": str(scratch / "serving"),
        }
    )
    return scratch

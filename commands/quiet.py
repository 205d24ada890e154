"""Process-wide quieting of ZenML and our HTTP client, called first by every entry point.

Entry points only: ``run.py``, the commands, the benchmarks and the tests' session call it before ZenML
is imported. The BentoML service needs only the TensorFlow part (review_classifier/quiet_tensorflow.py).
"""

from __future__ import annotations

import logging
import os

from review_classifier.quiet_tensorflow import quiet_tensorflow

#: ZenML's advice to drop Docker settings on a stack without containers. Every run carries
#: the one image definition of the container stacks (commands/pipeline.py: configured_pipeline) so
#: that code never changes between stacks; on `local` that advice is wrong, and it came with every run.
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
    quiet_tensorflow()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    warnings = logging.getLogger("zenml.utils.warnings.controller")
    if _not_unused_docker_settings not in warnings.filters:
        warnings.addFilter(_not_unused_docker_settings)

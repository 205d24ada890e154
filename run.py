"""Run a pipeline from a run config: ``python run.py --config configs/local.yaml``.

The config is a plain ZenML run configuration (parameters, step settings,
model, schedule...); its ``extra.pipeline`` names the pipeline to run.
The orchestrator and artifact store come from the active ZenML stack.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import List, Optional

import yaml

from review_classifier.names import PIPELINE_NAMES, TRAINING_PIPELINE


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, type=Path, help="run config YAML, e.g. configs/local.yaml")
    parser.add_argument("--no-cache", action="store_true", help="re-run every step, ignoring ZenML's cache")
    return parser.parse_args(argv)


def pipeline_name(config: Path) -> str:
    """The pipeline a config asks for (``extra.pipeline``), checked against the known ones."""
    if not config.is_file():
        sys.exit(f"error: config file not found: {config}")
    name = ((yaml.safe_load(config.read_text()) or {}).get("extra") or {}).get("pipeline", TRAINING_PIPELINE)
    if name not in PIPELINE_NAMES:
        sys.exit(f"error: {config}: extra.pipeline is '{name}'; known pipelines: {sorted(PIPELINE_NAMES)}")
    return name


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    name = pipeline_name(args.config)
    os.environ.setdefault("ZENML_ANALYTICS_OPT_IN", "false")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from pipelines import PIPELINES  # ZenML and TensorFlow: only once the arguments are known to be good

    options = {"enable_cache": False} if args.no_cache else {}
    PIPELINES[name].with_options(config_path=str(args.config), **options)()


if __name__ == "__main__":
    main()

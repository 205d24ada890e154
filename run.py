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
from typing import List, NamedTuple, Optional

import yaml

from review_classifier.names import PIPELINE_NAMES, TRAINING_PIPELINE
from review_classifier.quiet import quiet_process


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, type=Path, help="run config YAML, e.g. configs/local.yaml")
    parser.add_argument("--no-cache", action="store_true", help="re-run every step, ignoring ZenML's cache")
    return parser.parse_args(argv)


class RunConfig(NamedTuple):
    """What run.py itself reads from a config; ZenML reads the rest."""

    path: Path
    pipeline: str
    stack: Optional[str]


def read_config(path: Path) -> RunConfig:
    """The pipeline a config asks for (``extra.pipeline``) and the stack it is made for (``extra.stack``)."""
    if not path.is_file():
        sys.exit(f"error: config file not found: {path}")
    try:
        extra = (yaml.safe_load(path.read_text()) or {}).get("extra") or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        sys.exit(f"error: {path}: not valid YAML{where}: {getattr(error, 'problem', None) or error}")
    name = extra.get("pipeline", TRAINING_PIPELINE)
    if name not in PIPELINE_NAMES:
        sys.exit(f"error: {path}: extra.pipeline is '{name}'; known pipelines: {sorted(PIPELINE_NAMES)}")
    return RunConfig(path, name, extra.get("stack"))


def require_stack(config: RunConfig) -> None:
    """A config made for one stack (e.g. Kubeflow's resources and image) must not run quietly on another."""
    if config.stack is None:
        return
    from zenml.client import Client

    active = Client().active_stack_model.name
    if active != config.stack:
        sys.exit(
            f"error: {config.path} is made for the stack '{config.stack}', but the active stack is '{active}'; "
            f"switch with `zenml stack set {config.stack}` (register it first with `make stacks`)"
        )


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    config = read_config(args.config)
    os.environ.setdefault("ZENML_ANALYTICS_OPT_IN", "false")
    quiet_process()
    require_stack(config)
    from pipelines import PIPELINES  # ZenML and TensorFlow: only once the arguments are known to be good

    options = {"enable_cache": False} if args.no_cache else {}
    PIPELINES[config.pipeline].with_options(config_path=str(config.path), **options)()


if __name__ == "__main__":
    main()

"""Run a pipeline from a run config: ``python run.py --config configs/local.yaml``.

The config is a plain ZenML run configuration (parameters, step settings,
model, schedule...); its ``extra.pipeline`` names the pipeline to run.
The orchestrator and artifact store come from the active ZenML stack.

``python run.py models`` lists the model's versions (stage, metrics, decision
threshold, promotion and why); ``models --prune`` deletes the never-promoted ones.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from commands.pipeline import DiskFull, ServiceDown, configs_by_pipeline, run_pipeline
from commands.quiet import quiet_process
from review_classifier.names import MODEL_NAME

EPILOG = """\
Every parameter a config can set, with its type, default and description:
`python run.py params` (`--markdown`: docs/configuration.md, which explains the config files)."""


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config", type=Path, help="run config YAML, e.g. configs/local.yaml")
    parser.add_argument("--no-cache", action="store_true", help="re-run every step, ignoring ZenML's cache")
    commands = parser.add_subparsers(dest="command", title="commands")
    models = commands.add_parser("models", help="table of the model's versions; --prune deletes never-promoted ones")
    models.add_argument("--model", default=MODEL_NAME, help=f"ZenML model name (default {MODEL_NAME})")
    models.add_argument(
        "--prune",
        action="store_true",
        help="delete the versions never promoted and without a stage, whose runs have finished",
    )
    models.add_argument("--dry-run", action="store_true", help="with --prune: only print what would be deleted")
    params = commands.add_parser("params", help="every parameter a config can set: type, default, description")
    params.add_argument("--markdown", action="store_true", help="as docs/configuration.md, with its header")
    args = parser.parse_args(argv)
    if (args.command is None) == (args.config is None):
        parser.error("give either --config CONFIG or a command (`models`, `params`)")
    return args


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    if args.command == "params":
        from commands.params import as_markdown, as_text, reference  # the settings classes; no ZenML, no Keras

        pipelines = reference(configs_by_pipeline())
        return print(as_markdown(pipelines) if args.markdown else as_text(pipelines), end="")
    quiet_process()
    if args.command == "models":
        from commands.models import main as models  # ZenML only, never TensorFlow

        return models(args.model, prune=args.prune, dry_run=args.dry_run)
    try:
        run_pipeline(args.config, no_cache=args.no_cache)
    except (DiskFull, ServiceDown) as stopped:  # after ZenML's own report of the failed step: the cause, in one line
        sys.exit(f"error: {type(stopped).__name__}: {stopped}")


if __name__ == "__main__":
    main()

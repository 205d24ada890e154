"""Roll back to the previous production version: ``python -m commands.rollback --reason WHY`` (``make rollback``).

The version that was production before the current one becomes production again in the Model
Control Plane, the current one is archived, and the deployment pipeline serves it by the same
zero-downtime switch as any deploy. Both versions get a ``rollback`` metadata entry (reason,
time, from, to, outcome). If the deploy fails, what serves decides, not where it failed: asked
through the front door, the old version still serving puts the stages back (a failure before
the switch); the target version serving keeps them, with ``deployed: true`` and the error (a
failure after the switch, e.g. stopping the old service). Either way the stages, the metadata
and the served version agree.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import List, Optional

import yaml

from commands.quiet import quiet_process

quiet_process()

from zenml import log_metadata  # noqa: E402
from zenml.enums import ModelStages  # noqa: E402
from zenml.models import ModelVersionResponse  # noqa: E402

from commands.pipeline import CONFIGS, run_pipeline  # noqa: E402
from commands.status import live  # noqa: E402
from registry import ROLLBACK, previous_production, production_version  # noqa: E402
from review_classifier.names import MODEL_NAME  # noqa: E402

DEFAULT_CONFIG = CONFIGS / "deploy.yaml"


def log_rollback(entry: dict, model_name: str, *versions: ModelVersionResponse) -> None:
    for version in versions:
        log_metadata(metadata={ROLLBACK: entry}, model_name=model_name, model_version=str(version.number))


class NothingToRollBack(RuntimeError):
    """No production version, or none served before it: the stages and the service stay as they are."""


def rollback(config: Path, reason: str) -> int:
    """Roll back the model of the deploy ``config`` and serve it; the version now production."""
    model_name = ((yaml.safe_load(config.read_text()) or {}).get("model") or {}).get("name", MODEL_NAME)
    current = production_version(model_name)
    target = previous_production(model_name)
    if current is None or target is None:
        missing = "production" if current is None else "previous production"
        raise NothingToRollBack(f"{model_name} has no {missing} version to roll back to; nothing changed")
    entry = {
        "reason": reason,
        "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "from_version": current.number,
        "to_version": target.number,
    }
    target.set_stage(ModelStages.PRODUCTION, force=True)  # archives `current`
    try:
        run_pipeline(config)
    except BaseException as error:
        # Where the deploy failed does not tell what serves (after the switch, only stopping the old service
        # is left to fail): the live service does. The stages follow it.
        info = live().info
        deployed = info is not None and (info["model_name"], info["model_version"]) == (model_name, str(target.number))
        if not deployed:
            current.set_stage(ModelStages.PRODUCTION, force=True)
        log_rollback({**entry, "deployed": deployed, "error": str(error)[:2000]}, model_name, current, target)
        raise
    log_rollback({**entry, "deployed": True}, model_name, current, target)
    return target.number


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reason", required=True, help="why, recorded on both model versions")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="deploy config (model name, port)")
    args = parser.parse_args(argv)
    try:
        number = rollback(args.config, args.reason)
    except NothingToRollBack as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"rolled back: version {number} is production and serves again")
    return 0


if __name__ == "__main__":
    sys.exit(main())

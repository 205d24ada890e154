"""Roll back to the previous production version: ``python -m serving.rollback --reason WHY`` (``make rollback``).

The version that was production before the current one becomes production again in the Model
Control Plane, the current one is archived, and the deployment pipeline serves it by the same
zero-downtime switch as any deploy. Both versions get a ``rollback`` metadata entry (reason,
time, from, to, outcome). If the deploy fails, the stages are put back, so the stage and the
served version agree either way.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import List, Optional

import yaml

from review_classifier.quiet import quiet_process

quiet_process()

from zenml import log_metadata  # noqa: E402
from zenml.client import Client  # noqa: E402
from zenml.enums import ModelStages  # noqa: E402
from zenml.models import ModelVersionResponse  # noqa: E402
from zenml.utils.pagination_utils import depaginate  # noqa: E402

import run  # noqa: E402
from review_classifier.names import MODEL_NAME, PROMOTION  # noqa: E402
from steps.registry import production_version  # noqa: E402

ROLLBACK = "rollback"
DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "configs" / "deploy.yaml"


def rolled_back_from(version: ModelVersionResponse) -> bool:
    entry = version.run_metadata.get(ROLLBACK) or {}
    return entry.get("deployed") is True and entry.get("from_version") == version.number


def previous_production(model_name: str) -> Optional[ModelVersionResponse]:
    """The latest archived version that was promoted to production and not since rolled back from."""
    versions = depaginate(Client().list_model_versions, model=model_name, sort_by="number", hydrate=True)
    candidates = [
        v
        for v in versions
        if v.stage == ModelStages.ARCHIVED
        and (v.run_metadata.get(PROMOTION) or {}).get("promoted") is True
        and not rolled_back_from(v)
    ]
    return candidates[-1] if candidates else None


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
        run.main(["--config", str(config)])
    except BaseException as error:
        current.set_stage(ModelStages.PRODUCTION, force=True)
        log_rollback({**entry, "deployed": False, "error": str(error)[:2000]}, model_name, current, target)
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

"""Faults injected for real into a served model, and what each cost: failed requests, time to recover,
whether anything was lost, the message the user saw.

In a throw-away ZenML store, BentoML home and serving directory, so it never touches your models or
your front door: trains a small model of its own (the bundled dataset's fixed 2,000-review sample),
serves it behind a front door on a free port, then runs each row of `benchmarks/fault_injection.py` in
turn (a serving worker, the whole backend, the front door, every serving process SIGKILLed; the deploy SIGKILLed before
its switch; the model artifact missing, then corrupt; a registry that does not answer when a run starts;
the artifact store's disk full during a training run, as root), and stops and deletes everything at the end.
The stack's server and S3 store failing during a run need the container world: `tests/test_docker_stack.py`
injects them and reports their rows. Last line: JSON `{"faults": [{"fault", "held",
"failed_requests", "recovery_s", "lost", "message"}, ...]}`.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
from pathlib import Path

import yaml

from commands.quiet import quiet_process
from commands.scratch import scratch_environment

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = scratch_environment("review-classifier-faults-")
os.chdir(ROOT)
quiet_process()

import pandas as pd  # noqa: E402
from zenml.client import Client  # noqa: E402

from benchmarks import fault_injection as faults  # noqa: E402
from benchmarks.datasets import BUNDLED, TINY_CANDIDATE, bundled_sample  # noqa: E402
from commands import stop  # noqa: E402
from commands.pipeline import run_pipeline  # noqa: E402
from review_classifier.names import MODEL_NAME  # noqa: E402
from stacks.register import main as register_stacks  # noqa: E402
from supervisor.processes import free_port  # noqa: E402

#: Small enough to train in seconds on the sample, and to pass its own quality gate.
SMALL_MODEL = {
    "candidates": [TINY_CANDIDATE],
    "vocabulary_settings": {"max_size": 3000, "sequence_length": 48},
    "quality_minimums": {"roc_auc": 0.75},
    "beat_baseline": False,
}


def configs() -> tuple[Path, Path]:
    """The training config (configs/local.yaml on the sample, a small model) and the deploy one (free port)."""
    sample = SCRATCH / "sample.csv"
    bundled_sample(pd.read_csv(BUNDLED)).to_csv(sample, index=False)
    training = copy.deepcopy(yaml.safe_load((ROOT / "configs" / "local.yaml").read_text()))
    training.pop("steps", None)
    training.setdefault("parameters", {}).update({"data_uri": str(sample), **SMALL_MODEL})
    deploy = yaml.safe_load((ROOT / "configs" / "deploy.yaml").read_text())
    deploy.setdefault("parameters", {})["port"] = free_port()
    paths = SCRATCH / "training.yaml", SCRATCH / "deploy.yaml"
    for path, config in zip(paths, (training, deploy), strict=True):
        path.write_text(yaml.safe_dump(config))
    return paths


def main() -> None:
    try:
        measure()
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)


def measure() -> None:
    (SCRATCH / "repository").mkdir(parents=True)
    Client.initialize(root=SCRATCH / "repository")
    assert register_stacks(["local", "--env-file", "/dev/null"]) == 0
    Client().activate_stack("local")
    training, deploy = configs()
    run_pipeline(training)
    rows = []
    try:
        faults.serve(deploy)
        url = f"http://127.0.0.1:{yaml.safe_load(deploy.read_text())['parameters']['port']}"
        rows.append(faults.worker_killed(url))
        rows.append(faults.backend_killed(deploy, MODEL_NAME))
        rows.append(faults.front_door_killed(deploy, MODEL_NAME))
        rows.append(faults.everything_killed(deploy, MODEL_NAME))
        rows.append(faults.deploy_killed(deploy, MODEL_NAME, SCRATCH / "killed-deploy.log"))
        rows.extend(faults.artifact_damaged(deploy, MODEL_NAME, how) for how in ("missing", "corrupt"))
    finally:
        stop.main()
    rows.append(faults.registry_unreachable(training))
    if os.geteuid() == 0:  # mounting the small disk needs root
        rows.append(faults.disk_full(training, MODEL_NAME, SCRATCH / "small-disk", faults.SMALL_DISK_KB))
    else:
        print("the full-disk row needs root (it mounts a small tmpfs): not run")
    print(f"{'fault':<72}{'held':>6}{'failed':>8}{'recover s':>11}{'lost':>6}  message")
    for row in rows:
        print(
            f"{row.fault:<72}{'yes' if row.held else 'NO':>6}{row.failed_requests:>8}{row.recovery_s:>11}"
            f"{'yes' if row.lost else 'no':>6}  {row.message}"
        )
    print(json.dumps({"faults": [row._asdict() for row in rows]}))


if __name__ == "__main__":
    main()

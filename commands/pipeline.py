"""``python run.py --config FILE``: the pipeline a run config names, on the stack it is made for.

The config is a plain ZenML run configuration (parameters, step settings, model, schedule...); its
``extra.pipeline`` names the pipeline to run, its optional ``extra.stack`` the stack it is made for. A bad
config is refused before ZenML or TensorFlow is imported. Also what ``make rollback`` deploys with.
"""

from __future__ import annotations

import errno
import shutil
import sys
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional

import yaml

from review_classifier.names import DEPLOYMENT_PIPELINE, PIPELINE_NAMES, TRAINING_PIPELINE
from review_classifier.serving_targets import TARGET_OF_ORCHESTRATOR

#: The project's run configs.
CONFIGS = Path(__file__).resolve().parents[1] / "configs"


class RunConfig(NamedTuple):
    """What run.py itself reads from a config; ZenML reads the rest."""

    path: Path
    pipeline: str
    stack: Optional[str]
    #: The config has a ``schedule``: its runs reuse the one snapshot made now.
    scheduled: bool = False


def read_config(path: Path) -> RunConfig:
    """The pipeline a config asks for (``extra.pipeline``), the stack it is made for (``extra.stack``) and
    whether it has a ``schedule``."""
    if not path.is_file():
        sys.exit(f"error: config file not found: {path}")
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        sys.exit(f"error: {path}: not valid YAML{where}: {getattr(error, 'problem', None) or error}")
    extra = document.get("extra") or {}
    name = extra.get("pipeline", TRAINING_PIPELINE)
    if name not in PIPELINE_NAMES:
        sys.exit(f"error: {path}: extra.pipeline is '{name}'; known pipelines: {sorted(PIPELINE_NAMES)}")
    return RunConfig(path, name, extra.get("stack"), bool(document.get("schedule")))


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


def require_model_deployer(config: RunConfig) -> None:
    """The deployment pipeline needs the stack's model deployer, or a stack that serves where it trains
    (Kubeflow's cluster, Vertex AI): without either, say in one line which stacks can deploy, rather than
    ZenML's traceback in the middle of the run."""
    if config.pipeline != DEPLOYMENT_PIPELINE:
        return
    from zenml.client import Client
    from zenml.enums import StackComponentType
    from zenml.utils.pagination_utils import depaginate

    def deploys(stack) -> bool:
        (orchestrator,) = stack.components[StackComponentType.ORCHESTRATOR]
        return bool(stack.components.get(StackComponentType.MODEL_DEPLOYER)) or (
            orchestrator.flavor_name in TARGET_OF_ORCHESTRATOR
        )

    client = Client()
    active = client.active_stack_model
    if deploys(active):
        return
    having = sorted(stack.name for stack in depaginate(client.list_stacks, hydrate=True) if deploys(stack))
    where = (
        f"stacks that deploy: {', '.join(having)}; switch with `zenml stack set {having[0]}`"
        if having
        else "register the `local` stack, which has one, with `make stacks`"
    )
    sys.exit(
        f"error: {config.path} deploys with the stack's model deployer or to Kubeflow's cluster or Vertex AI, "
        f"and the active stack '{active.name}' has none of them; {where}"
    )


def configs_by_pipeline(folder: Path = CONFIGS) -> Dict[str, List[str]]:
    """Pipeline name -> the config files in ``folder`` that run it (``configs/local.yaml``), read as ``main`` does."""
    found: Dict[str, List[str]] = {}
    for path in sorted(folder.glob("*.yaml")):
        found.setdefault(read_config(path).pipeline, []).append(path.relative_to(folder.parent).as_posix())
    return found


def require_registry() -> None:
    """The step image is pushed before any step runs: a registry that does not answer is named now, in one
    line, not after the image is built."""
    from stacks.reachability import unreachable_registry

    problem = unreachable_registry()
    if problem:
        sys.exit(f"error: {problem}")


def run_pipeline(path: Path, no_cache: bool = False) -> None:
    """Run the pipeline of the config at ``path`` on the active stack, once the config and the stack fit."""
    config = read_config(path)
    require_stack(config)
    require_model_deployer(config)
    require_registry()
    pipeline = configured_pipeline(config, no_cache)
    try:
        pipeline()
    except Exception as error:
        try:
            explained = explain_failure(error)
        except Exception:  # a probe that fails must not hide the run's own error
            explained = None
        if explained is None:
            raise
        raise explained from error


def configured_pipeline(config: RunConfig, no_cache: bool = False) -> Any:
    """The pipeline ``config`` names, given the step image of the active stack (``pipelines/docker_settings.py``,
    used by container stacks only), then the config file over it, so a config's own settings win.

    A scheduled training run reads its data uncached: the pipeline takes the data's fingerprint, ingest's
    cache key (``pipelines/fingerprint.py``), once, when the schedule's snapshot is made, and every
    scheduled run reuses it, whatever the data has become since."""
    from pipelines import PIPELINES  # ZenML and TensorFlow: only once the arguments are known to be good
    from pipelines.docker_settings import active_image, docker_settings

    pipeline = PIPELINES[config.pipeline].with_options(settings={"docker": docker_settings(active_image())})
    options: Dict[str, Any] = {"enable_cache": False} if no_cache else {}
    if config.scheduled and config.pipeline == TRAINING_PIPELINE:
        options["steps"] = {"ingest": {"enable_cache": False}}
    return pipeline.with_options(config_path=str(config.path), **options)


def explain_failure(error: Exception) -> Optional[Exception]:
    """The cause of a failed run in the user's terms, when it is one of the stack's: a full disk, or a
    server or store that stopped answering during the run; None when it is none of them."""
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return DiskFull(full_disk_message(error))
    from stacks.reachability import unreachable_artifact_store, unreachable_server

    down = unreachable_server() or unreachable_artifact_store()
    if down is None:
        return None
    return ServiceDown(
        f"the run stopped: {down}. Once it answers again, run again: the steps that completed are reused from the cache"
    )


class ServiceDown(RuntimeError):
    """A run stopped because a service of the stack (the ZenML server, the artifact store) stopped answering."""


class DiskFull(OSError):
    """A run stopped because a disk filled up; the message names the artifact store's filesystem."""


def full_disk_message(error: OSError) -> str:
    """ZenML's ``[Errno 28] No space left on device`` names no file: say which store, where, and how full."""
    from zenml.client import Client

    store = Client().active_stack.artifact_store
    where = f"the artifact store '{store.name}' at {store.path}"
    if Path(store.path).is_dir():  # a local store: its filesystem's figures
        usage = shutil.disk_usage(store.path)
        where += f" ({usage.free // 1024} KiB free of {usage.total // 1024} KiB)"
    return (
        f"the run stopped: no space left on a disk ({error.filename or 'file not named'}); {where}. "
        "Free space there and run again: the steps that completed are reused from the cache, the failed one runs again"
    )

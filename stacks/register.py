"""Register the ZenML stacks defined in ``stacks/*.yaml``: ``python -m stacks.register [NAME ...]``.

Idempotent: a component or stack that already matches its definition is left
alone, one that differs is updated, a missing one is created. Values come from
the environment or a ``.env`` file at the project root (never from the repo),
and a stack whose variables are missing is skipped with their names.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Set, Tuple

import yaml
from dotenv import load_dotenv

STACKS_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = STACKS_DIR.parent
_VARIABLE = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")

#: Flavors this project defines (name -> component type, source), registered before use.
CUSTOM_FLAVORS = {
    "kubeflow_resources": ("orchestrator", "zenml_fixes.kubeflow_orchestrator.ResourceAwareKubeflowOrchestratorFlavor"),
    "bentoml_newstyle": ("model_deployer", "zenml_fixes.bentoml_deployer.NewStyleBentoMLModelDeployerFlavor"),
}


class StackDefinitionError(ValueError):
    """A stack file cannot be registered as it stands; the message says why."""


def expand(value: Any, environ: Mapping[str, str], missing: Set[str]) -> Any:
    """Substitute ``${VAR}`` / ``${VAR:-default}``; empty results and empty mappings are dropped."""
    if isinstance(value, dict):
        expanded = {k: expand(v, environ, missing) for k, v in value.items()}
        return {k: v for k, v in expanded.items() if v not in ("", {}, None)}
    if isinstance(value, list):
        return [expand(v, environ, missing) for v in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match) -> str:
        name, default = match.group(1), match.group(2)
        if environ.get(name):
            return environ[name]
        if default is None:
            missing.add(name)
            return ""
        return default

    return _VARIABLE.sub(substitute, value)


def load_definition(path: Path, environ: Mapping[str, str]) -> Tuple[Dict[str, Any], List[str]]:
    """A stack file with its variables expanded, and the required variables that are unset."""
    raw = yaml.safe_load(path.read_text())
    if not isinstance(raw, dict) or "name" not in raw or not raw.get("components"):
        raise StackDefinitionError(f"{path}: needs a 'name' and 'components'")
    missing: Set[str] = set()
    definition = expand(raw, environ, missing)
    return definition, sorted(missing)


def stack_files(names: Optional[List[str]] = None) -> List[Path]:
    files = sorted(STACKS_DIR.glob("*.yaml"))
    if names:
        known = {f.stem: f for f in files}
        unknown = sorted(set(names) - set(known))
        if unknown:
            raise StackDefinitionError(f"no stack definition for {unknown}; known: {sorted(known)}")
        files = [known[n] for n in names]
    return files


def _ensure_flavors(client: Any, flavors: Set[str]) -> Dict[str, str]:
    """Create or update this project's flavors among ``flavors``; flavor name -> what happened.

    A stored flavor whose source is not ours (e.g. registered before its module moved)
    is updated to our class, so the stack's components load the current code.
    """
    from zenml.enums import StackComponentType
    from zenml.models import FlavorUpdate
    from zenml.stack.flavor import validate_flavor_source

    outcomes = {}
    for flavor in sorted(flavors & set(CUSTOM_FLAVORS)):
        component_type, source = CUSTOM_FLAVORS[flavor]
        component_type = StackComponentType(component_type)
        stored = client.list_flavors(name=flavor, type=component_type).items
        if not stored:
            client.create_flavor(source=source, component_type=component_type)
            outcomes[flavor] = "created"
        elif stored[0].source != source:
            _, implementation = validate_flavor_source(source=source, component_type=component_type)
            request = implementation.to_model(integration="custom", is_custom=True)
            update = FlavorUpdate(**request.model_dump(include=set(FlavorUpdate.model_fields)))
            client.zen_store.update_flavor(flavor_id=stored[0].id, flavor_update=update)
            outcomes[flavor] = f"updated (source {stored[0].source} -> {source})"
    return outcomes


def _ensure_component(client: Any, component_type: Any, spec: Dict[str, Any]) -> str:
    """Create or update one component; returns what happened."""
    name, flavor = spec["name"], spec["flavor"]
    configuration = spec.get("configuration", {})
    try:
        current = client.get_stack_component(component_type, name, allow_name_prefix_match=False)
    except KeyError:
        current = None
    if current is not None and current.flavor_name != flavor:
        raise StackDefinitionError(
            f"component '{name}' exists with flavor '{current.flavor_name}', not '{flavor}'; "
            f"delete it (zenml {component_type.value.replace('_', '-')} delete {name}) or rename it in the stack file"
        )
    connector_id = client.get_service_connector(spec["connector"]).id if spec.get("connector") else None
    if current is None:
        current = client.create_stack_component(
            name=name, flavor=flavor, component_type=component_type, configuration=configuration
        )
        outcome = "created"
    elif any(current.configuration.get(k) != v for k, v in configuration.items()):
        current = client.update_stack_component(name, component_type, configuration=configuration)
        outcome = "updated"
    else:
        outcome = "unchanged"
    linked = current.connector.id if current.connector else None
    if connector_id and linked != connector_id:
        client.update_stack_component(name, component_type, connector_id=connector_id)
        outcome = "updated" if outcome == "unchanged" else outcome
    return outcome


def _ensure_stack(client: Any, name: str, components: Dict[Any, Dict[str, Any]], outcomes: Dict[str, str]) -> str:
    """Create or update the stack itself; a one-line summary including its components' ``outcomes``."""
    wanted = {t: spec["name"] for t, spec in components.items()}
    try:
        stack = client.get_stack(name, allow_name_prefix_match=False)
    except KeyError:
        client.create_stack(name=name, components=wanted)
        return f"stack '{name}' created ({', '.join(f'{c} {o}' for c, o in outcomes.items())})"
    current = {t: stack.components[t][0].name for t in stack.components}
    if current != wanted:
        removed = {t: [] for t in current if t not in wanted}
        client.update_stack(name, component_updates={**removed, **{t: [n] for t, n in wanted.items()}})
        return f"stack '{name}' updated"
    changed = [c for c, o in outcomes.items() if o != "unchanged"]
    return f"stack '{name}' " + (f"components updated: {', '.join(changed)}" if changed else "unchanged")


def register(definition: Dict[str, Any], client: Any) -> str:
    """Register one expanded stack definition; returns a summary (one more line per flavor changed)."""
    from zenml.enums import StackComponentType

    components = {StackComponentType(t): spec for t, spec in definition["components"].items()}
    flavors = _ensure_flavors(client, {spec["flavor"] for spec in components.values()})
    outcomes = {spec["name"]: _ensure_component(client, t, spec) for t, spec in components.items()}
    summary = _ensure_stack(client, definition["name"], components, outcomes)
    return "\n".join([summary, *(f"  flavor '{f}' {o}" for f, o in flavors.items())])


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="stacks to register (default: every stacks/*.yaml)")
    parser.add_argument("--env-file", type=Path, default=PROJECT_ROOT / ".env", help="variables file (default: .env)")
    args = parser.parse_args(argv)

    load_dotenv(args.env_file, override=False)
    from zenml.client import Client

    client = Client()
    local_store = client.zen_store.is_local_store()
    failed = False
    for path in stack_files(args.names):
        definition, missing = load_definition(path, os.environ)
        name = definition["name"]
        if missing:
            print(f"{name}: skipped; set {', '.join(missing)} (environment or {args.env_file.name}; see .env.example)")
            failed = True
        elif definition.get("remote") and local_store:
            print(
                f"{name}: skipped; remote stacks need the client connected to a ZenML server, and it is using "
                "a local store. Connect first: `zenml login https://<your-zenml-server>`"
            )
            failed = True
        else:
            print(register(definition, client))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

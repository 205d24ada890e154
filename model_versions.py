"""``python run.py models [--prune [--dry-run]]``: the model's versions, and pruning of never-promoted ones.

ZenML's Client API only: never TensorFlow or Keras, so it answers in the time ZenML takes to import.
"""

from __future__ import annotations

from typing import List

from zenml.client import Client
from zenml.models import ModelVersionResponse
from zenml.utils.pagination_utils import depaginate

from review_classifier.versions import VersionSummary, format_table, prunable


def summaries(client: Client, model_name: str) -> List[VersionSummary]:
    """Every version of the model with its metadata, the run that made it, and whether one of its runs is
    still going. Also the promote step's dashboard page (steps/promote.py): one source for both tables."""
    versions = depaginate(client.list_model_versions, model=model_name, sort_by="number", hydrate=True)
    return [_summary(client, v) for v in versions]


def _summary(client: Client, version: ModelVersionResponse) -> VersionSummary:
    # Oldest first: the run that created the version; later ones (deployment, batch inference) only use it.
    runs = depaginate(client.list_pipeline_runs, model_version_id=version.id, sort_by="created")
    return VersionSummary(
        id=version.id,
        number=version.number,
        stage=version.stage,
        created=version.created,
        metadata=version.run_metadata,
        running=any(not r.status.is_finished for r in runs),
        run=runs[0].name if runs else None,
    )


def main(model_name: str, prune: bool = False, dry_run: bool = False) -> None:
    """Print the table; with ``prune``, delete (or with ``dry_run`` only name) the prunable versions."""
    client = Client()
    try:
        client.get_model(model_name)
    except KeyError:
        print(f"no model '{model_name}' yet: train one with `python run.py --config configs/local.yaml`")
        return
    versions = summaries(client, model_name)
    if not prune:
        print(format_table(versions) if versions else f"model '{model_name}' has no versions")
        return
    doomed = prunable(versions)
    for version in doomed:
        if not dry_run:
            client.delete_model_version(version.id)
        print(f"{'would delete' if dry_run else 'deleted'} {model_name} version {version.number}: {version.reason}")
    kept = [str(v.number) for v in versions if v not in doomed]
    print(
        f"{'would keep' if dry_run else 'kept'} version(s) {', '.join(kept) or 'none'} "
        "(staged, promoted once, or with a run in progress)"
    )

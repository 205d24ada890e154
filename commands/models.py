"""``python run.py models [--prune [--dry-run]]``: the model's versions, and pruning of never-promoted ones.

ZenML's Client API only: never TensorFlow or Keras, so it answers in the time ZenML takes to import.
"""

from __future__ import annotations

from zenml.client import Client

from registry import summaries
from review_classifier.versions import format_table, prunable


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

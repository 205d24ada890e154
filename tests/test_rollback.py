"""Rollback with nothing to roll back to says so and changes nothing (the real rollback is in test_serving)."""

from __future__ import annotations

from pathlib import Path

import yaml
from zenml.client import Client
from zenml.enums import ModelStages

from commands import rollback

MODEL = "review_classifier_rollback_tests"  # its own model, so other tests' versions are untouched


def test_a_lone_production_version_is_not_rolled_back(tmp_path: Path, capsys) -> None:
    client = Client()
    client.create_model(MODEL)
    version = client.create_model_version(MODEL)
    client.update_model_version(MODEL, version.id, stage=ModelStages.PRODUCTION)
    config = tmp_path / "deploy.yaml"
    config.write_text(yaml.safe_dump({"extra": {"pipeline": "deployment"}, "model": {"name": MODEL}}))

    assert rollback.main(["--config", str(config), "--reason", "worse in production"]) == 1
    assert capsys.readouterr().err == (
        f"error: {MODEL} has no previous production version to roll back to; nothing changed\n"
    )
    assert client.get_model_version(MODEL, ModelStages.PRODUCTION).id == version.id
    assert not client.get_model_version(MODEL, version.id).run_metadata.get("rollback")

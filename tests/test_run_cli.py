"""The command line and the Make targets as a user meets them: fast answers, and the stack left alone."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel
from zenml.client import Client

import run
from commands import params
from commands.pipeline import configs_by_pipeline
from review_classifier.model_settings import ModelSettings

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def python(*code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)


def test_help_prints_only_the_usage() -> None:
    done = python("run.py", "--help")
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith("usage: run.py")
    assert "`python run.py params`" in done.stdout  # where the parameters are


def run_params(*options: str) -> tuple[str, list]:
    """``run.py params`` in a fresh interpreter: its output, and which of ZenML, TensorFlow, Keras it loaded."""
    probe = (
        "import contextlib, io, sys, run\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    run.main(['params', *{list(options)!r}])\n"
        "print(out.getvalue(), end='')\n"
        "print(sorted(m for m in ('zenml', 'tensorflow', 'keras') if m in sys.modules))\n"
    )
    done = python("-c", probe)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    output, _, loaded = done.stdout.rstrip("\n").rpartition("\n")
    return output + "\n", yaml.safe_load(loaded)


def test_params_lists_every_model_setting_with_its_default_without_tensorflow() -> None:
    output, loaded = run_params()
    assert loaded == []
    listed = {}
    for line in output.splitlines():
        if line.startswith("  candidates[]."):
            name, _, default = line.strip().removeprefix("candidates[].").partition(" = ")
            listed[name.split(":")[0]] = yaml.safe_load(default)
    assert listed == {name: field.default for name, field in ModelSettings.model_fields.items()}


def test_the_reference_is_the_pipelines_signatures_with_a_description_each() -> None:
    from pipelines import PIPELINES  # TensorFlow: here only, to check what run.py params read without it

    pipelines = {p.name: p for p in params.reference(configs_by_pipeline())}
    assert set(pipelines) == set(PIPELINES)
    for name, pipeline in PIPELINES.items():
        listed = {p.name: p for p in pipelines[name].parameters}
        for parameter in inspect.signature(pipeline.entrypoint).parameters.values():
            shown = listed[parameter.name].default
            if parameter.default is inspect.Parameter.empty or isinstance(parameter.default, BaseModel):
                assert shown is None, parameter.name
            else:
                assert yaml.safe_load(shown) == parameter.default, parameter.name
        undescribed = [p.name for p in listed.values() if not p.description.removeprefix("Required. ")]
        assert not undescribed, f"{name}: give these a description in the code: {undescribed}"
    assert pipelines["training"].configs == [f"configs/{c}.yaml" for c in ("docker", "kubeflow", "local", "vertex")]


def test_docs_configuration_md_is_what_run_py_params_generates() -> None:
    output, loaded = run_params("--markdown")
    assert loaded == []
    committed = (PROJECT_ROOT / "docs" / "configuration.md").read_text()
    assert committed == output, f"docs/configuration.md is out of date: run `{params.REGENERATE}`"


@pytest.mark.parametrize(
    "config, message",
    [
        ("missing.yaml", "error: config file not found: missing.yaml"),
        ("configs/inference.yaml:extra: {pipeline: nope}", "extra.pipeline is 'nope'; known pipelines"),
        ("configs/inference.yaml:extra: [", "not valid YAML"),
    ],
    ids=["missing-file", "unknown-pipeline", "bad-yaml"],
)
def test_config_errors_answer_without_loading_zenml_or_tensorflow(tmp_path: Path, config: str, message: str) -> None:
    if ":" in config:
        path = tmp_path / "config.yaml"
        path.write_text(config.split(":", 1)[1])
        config = str(path)
    probe = (
        "import sys, run\n"
        "try:\n"
        f"    run.main(['--config', {config!r}])\n"
        "finally:\n"
        "    print(sorted(m for m in ('zenml', 'tensorflow', 'keras') if m in sys.modules))\n"
    )
    done = python("-c", probe)
    assert done.returncode == 1
    assert message in done.stderr and done.stderr.count("\n") <= 4, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_config_for_another_stack_refuses_to_run_and_names_it(tmp_path: Path) -> None:
    config = yaml.safe_load((PROJECT_ROOT / "configs" / "kubeflow.yaml").read_text())
    path = tmp_path / "kubeflow.yaml"
    path.write_text(yaml.safe_dump(config))
    active = Client().active_stack_model.name
    assert active != "kubeflow"
    with pytest.raises(
        SystemExit,
        match=f"made for the stack 'kubeflow', but the active stack is '{active}'; "
        "switch with `zenml stack set kubeflow`",
    ):
        run.main(["--config", str(path)])


def make_dry_run(tmp_path: Path, *args: str, set_up: bool = True) -> str:
    """The commands `make` would run, with the venv installed and, unless not ``set_up``, the clone set up."""
    installed = tmp_path / "installed"
    installed.touch()
    setup = tmp_path / "set-up"
    if set_up:
        setup.touch()
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", *args, f"STAMP={installed}", f"SETUP={setup}"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize("target", [["run"], ["run", "CONFIG=configs/kubeflow.yaml"], ["serve"]])
def test_make_targets_keep_the_active_stack(tmp_path: Path, target: list) -> None:
    commands = make_dry_run(tmp_path, *target)
    assert "run.py --config" in commands
    assert "stack set" not in commands and "stacks.register" not in commands


def test_only_the_first_make_run_of_a_clone_sets_up_the_local_stack(tmp_path: Path) -> None:
    commands = make_dry_run(tmp_path, "run", set_up=False)
    assert "-m stacks.register local" in commands and "stack set local" in commands


def test_make_models_runs_the_models_command(tmp_path: Path) -> None:
    assert make_dry_run(tmp_path, "models").strip().endswith("run.py models")


def test_run_needs_a_config_or_a_command() -> None:
    done = python("run.py")
    assert done.returncode == 2 and "give either --config CONFIG or a command (`models`, `params`)" in done.stderr


def test_a_deploy_on_a_stack_that_cannot_deploy_names_the_stacks_that_can() -> None:
    from stacks.register import main as register_main

    client = Client()
    assert register_main(["local", "--env-file", "/dev/null"]) == 0
    before = client.active_stack_model.name
    client.activate_stack("default")
    try:
        with pytest.raises(SystemExit) as refused:
            run.main(["--config", str(PROJECT_ROOT / "configs" / "deploy.yaml")])
    finally:
        client.activate_stack(before)
    message = str(refused.value.code)
    assert "the active stack 'default' has none of them; stacks that deploy: " in message
    assert "local" in message.split("stacks that deploy: ")[1] and "\n" not in message

# Two commands on a fresh machine: `make run` trains, `make test` tests.
# Both create .venv with the pinned dependencies first if it is missing or stale.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
ZENML  := $(VENV)/bin/zenml
STAMP  := $(VENV)/.installed
REMOTE := $(VENV)/.installed-remote
UV_COMPILE := $(VENV)/bin/uv pip compile --quiet --python-version 3.11 --no-header
CONFIG ?= configs/local.yaml

export ZENML_ANALYTICS_OPT_IN := false
export BENTOML_DO_NOT_TRACK := true
# Plain text from the zenml CLI too (run.py and the service set it themselves), so logs stay readable in files.
export ZENML_LOGGING_COLORS_DISABLED ?= true

.PHONY: install install-remote run models serve stop-serve test test-unit lint format bench stacks dashboard stop-dashboard lock clean

install: $(STAMP)

## The Kubeflow / Vertex AI extra (KFP compiler, cloud SDKs); the tests use it too.
install-remote: $(REMOTE)

$(REMOTE): $(STAMP) requirements-remote.txt
	$(VENV)/bin/uv pip install --quiet --python $(PY) -r requirements-remote.txt
	touch $@

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(VENV)/bin/uv pip install --quiet --python $(PY) -r requirements.txt -r requirements-dev.txt
	touch $@

## First set-up of a clone only: a ZenML repository whose active stack is `local`.
## Afterwards every target uses the active stack (`zenml stack set NAME` switches it).
SETUP := .zen/.local-stack-registered
$(SETUP): | $(STAMP)
	test -d .zen || $(ZENML) init
	$(PY) -m stacks.register local
	$(ZENML) stack set local
	touch $@

## Train with the bundled data on the active stack (`local` on a fresh clone).
run: $(STAMP) $(SETUP)
	$(PY) run.py --config $(CONFIG)

## The model's versions: stage, test metrics, decision threshold, promoted and why.
## `.venv/bin/python run.py models --prune [--dry-run]` deletes the never-promoted ones.
models: $(STAMP)
	$(PY) run.py models

## Deploy the production model as a local HTTP service (http://127.0.0.1:3000) / stop it.
serve:
	$(MAKE) run CONFIG=configs/deploy.yaml

stop-serve: $(STAMP)
	$(PY) -m serving.stop

## Register every stack in stacks/ (idempotent; remote ones need a ZenML server and .env).
stacks: $(REMOTE) $(SETUP)
	$(PY) -m stacks.register

## Local ZenML server + dashboard, no Docker: http://127.0.0.1:8237 (sign-up survey answered: no newsletter)
dashboard: $(STAMP) $(SETUP)
	ZENML_AUTO_OPEN_DASHBOARD=false $(ZENML) login --local < /dev/null
	$(PY) -m stacks.dashboard
	@echo "Dashboard: http://127.0.0.1:8237  (stop with: make stop-dashboard)"

stop-dashboard: $(STAMP)
	$(ZENML) logout --local

## Style (ruff), then the whole test suite, offline, in a throw-away ZenML store (stack tests included).
test: lint $(REMOTE)
	$(PY) -m pytest

## The pure package's tests only (tests/unit, marker `unit`): no ZenML, no remote extra.
test-unit: $(STAMP)
	$(PY) -m pytest tests/unit

## ruff's lint rules and formatting (ruff.toml); `make format` applies them.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Quality, speed and run-time figures; each script's last line is JSON.
bench: export PYTHONPATH := $(CURDIR)
bench: $(STAMP) $(SETUP)
	$(PY) benchmarks/preprocessing_speed.py
	$(PY) benchmarks/tfidf_baseline.py
	$(PY) benchmarks/training_quality.py
	$(PY) benchmarks/serving_throughput.py

## Re-resolve the pins. The remote lock is resolved first and constrains the base
## one, so a venv with both has exactly the versions each promises.
lock: $(STAMP)
	$(UV_COMPILE) requirements-remote.in -o requirements-remote.txt
	$(UV_COMPILE) requirements.in -c requirements-remote.txt -o requirements.txt
	$(UV_COMPILE) requirements-dev.in -o requirements-dev.txt

clean:
	rm -rf $(VENV) .pytest_cache

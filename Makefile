# Two commands on a fresh machine: `make run` trains, `make test` tests.
# Both create .venv with the pinned dependencies first if it is missing or stale.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
ZENML  := $(VENV)/bin/zenml
STAMP  := $(VENV)/.installed
REMOTE := $(VENV)/.installed-remote
## Bytecode is written at install, as pip does and uv does not by default: where PYTHONDONTWRITEBYTECODE is set,
## every process would otherwise compile all it imports again, TensorFlow's 1,800 modules included.
UV_INSTALL := $(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY)
UV_COMPILE := $(VENV)/bin/uv pip compile --quiet --python-version 3.11 --no-header
CONFIG ?= configs/local.yaml

export ZENML_ANALYTICS_OPT_IN := false
export BENTOML_DO_NOT_TRACK := true
# Plain text from the zenml CLI too (run.py and the commands set it themselves), so logs stay readable in files.
export ZENML_LOGGING_COLORS_DISABLED ?= true

.PHONY: install install-remote run models nginx serve status rollback stop-serve test test-unit lint format bench stacks dashboard stop-dashboard containers stop-containers container-tools lock clean

install: $(STAMP)

## The Kubeflow / Vertex AI extra (KFP compiler, cloud SDKs); the tests use it too.
install-remote: $(REMOTE)

$(REMOTE): $(STAMP) requirements-remote.txt
	$(UV_INSTALL) -r requirements-remote.txt
	touch $@

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(UV_INSTALL) -r requirements.txt -r requirements-dev.txt
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

## The serving front door is nginx (the system's package; the project runs its own instance).
## Missing: as root with apt-get it is installed, otherwise the install command is printed.
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get install -y nginx || { apt-get update && apt-get install -y nginx; }; \
	else \
		echo "error: serving needs nginx: apt-get install nginx (Debian/Ubuntu) or brew install nginx (macOS)"; exit 1; \
	fi

## Deploy the production model behind http://127.0.0.1:3000, replacing what serves there without a failed
## request / which version serves and whether everything agrees / roll back / stop everything.
serve: nginx
	$(MAKE) run CONFIG=configs/deploy.yaml

status: $(STAMP)
	$(PY) -m commands.status

rollback: $(STAMP) nginx
	@test -n "$(REASON)" || { echo 'usage: make rollback REASON="why the previous version must serve again"'; exit 2; }
	$(PY) -m commands.rollback --reason "$(REASON)"

stop-serve: $(STAMP)
	$(PY) -m commands.stop

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

## The container world of the `docker` stack, on loopback: a Docker daemon (yours if one answers), the registry
## on 127.0.0.1:5000, an S3 store, a ZenML server the client logs in to, the `docker` stack registered.
## LOCAL_PARENT_IMAGE=1 also makes a parent image from Debian packages (no Docker Hub). Idempotent.
containers: $(REMOTE) $(SETUP)
	$(PY) -m stacks.containers up $(if $(LOCAL_PARENT_IMAGE),--local-parent-image)

## Stops exactly what `make containers` started; the client goes back to its local store.
stop-containers: $(REMOTE)
	$(PY) -m stacks.containers down

## The Debian packages the container world runs (docker.io, docker-registry, mmdebstrap): installed as root, else the command.
container-tools: $(STAMP)
	$(PY) -m stacks.containers install

## Style (ruff), then the whole test suite, offline, in a throw-away ZenML store per worker (stack tests
## included), on TEST_WORKERS processes (tests/conftest.py groups them: the container tests on one).
TEST_WORKERS ?= 2
test: lint $(REMOTE) nginx container-tools
	$(PY) -m pytest -n $(TEST_WORKERS)

## The pure package's tests only (tests/unit, marker `unit`): no ZenML, no remote extra.
test-unit: $(STAMP)
	$(PY) -m pytest tests/unit

## ruff's lint rules and formatting (pyproject.toml); `make format` applies them.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Quality, speed and run-time figures, written into docs/benchmarks.md and the README's headline table;
## each script's last line is JSON. `make bench BENCH="serving_throughput"` measures only those named.
bench: $(STAMP) $(SETUP) nginx
	$(PY) -m benchmarks.run_all $(BENCH)

## Resolve pyproject.toml's dependencies into the pins every install, the step image and the Bento read:
## requirements.txt (the dependencies), requirements-remote.txt (+ the `remote` extra), requirements-dev.txt
## (+ the `dev` extra), image/requirements-STACK.txt (+ the `stack-STACK` extra: the step image of that stack).
## The remote lock is resolved first and constrains the others, so a venv or an image with several has exactly
## the versions each promises. A pin already in a lock file stays while pyproject.toml allows it.
lock: $(STAMP)
	$(UV_COMPILE) pyproject.toml --extra remote -o requirements-remote.txt
	$(UV_COMPILE) pyproject.toml -c requirements-remote.txt -o requirements.txt
	$(UV_COMPILE) pyproject.toml --extra dev -c requirements-remote.txt -o requirements-dev.txt
	for stack in docker kubeflow vertex; do \
		$(UV_COMPILE) pyproject.toml --extra stack-$$stack -c requirements-remote.txt -o image/requirements-$$stack.txt; \
	done

clean:
	rm -rf $(VENV) .pytest_cache

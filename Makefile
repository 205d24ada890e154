# Two commands on a fresh machine: `make run` trains, `make test` tests.
# Both create .venv with the pinned dependencies first if it is missing or stale.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
ZENML  := $(VENV)/bin/zenml
STAMP  := $(VENV)/.installed
CONFIG ?= configs/local.yaml

export ZENML_ANALYTICS_OPT_IN := false
export BENTOML_DO_NOT_TRACK := true
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: install run test bench lock clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(VENV)/bin/uv pip install --quiet --python $(PY) -r requirements.txt -r requirements-dev.txt
	touch $@

.zen: | $(STAMP)
	$(ZENML) init

## Train on the active ZenML stack (local by default) with the bundled data.
run: $(STAMP) .zen
	$(PY) run.py --config $(CONFIG)

## The whole test suite, offline, in a throw-away ZenML store.
test: $(STAMP)
	$(PY) -m pytest

## Quality, speed and run-time figures; each script's last line is JSON.
bench: $(STAMP) .zen
	$(PY) benchmarks/preprocessing_speed.py
	$(PY) benchmarks/training_quality.py

## Re-resolve requirements*.txt from requirements*.in.
lock: $(STAMP)
	$(VENV)/bin/uv pip compile --quiet --python-version 3.11 --no-header requirements.in -o requirements.txt
	$(VENV)/bin/uv pip compile --quiet --python-version 3.11 --no-header requirements-dev.in -o requirements-dev.txt

clean:
	rm -rf $(VENV) .pytest_cache

# riskscore — the two commands a new user runs: `make demo` and `make test`.
# Each creates .venv when it is missing and installs the project into it (editable).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
SAMPLE := data/sample

.PHONY: demo test test-oldest lint sample model bench-env bench-generate clean help test-exhaustive

help:
	@echo "make demo   - create .venv, install riskscore, run the main job on data/sample"
	@echo "make test   - create .venv, install with dev extras, run lint, import contracts, tests"
	@echo "make sample - regenerate data/sample bit for bit (see data/sample/README.md)"
	@echo "make model  - retrain the committed bundle models/sample (after any change to the features)"
	@echo "make test-oldest - the suite on the oldest releases pyproject.toml admits (.venv-oldest; CI runs it)"
	@echo "make test-exhaustive - the long property runs of the contact policy (20 000 random worlds; strict dominance 5 000)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(PIP) install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(PIP) install --quiet -e ".[dev,spark,connect]"
	@touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/riskscore demo --data $(SAMPLE) --out runs/demo

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/lint-imports

# Java (Spark tests) and Chromium (the report's browser test) are system packages: installed when missing.
# The suite runs on every core up to 4 (pytest-xdist; CI has 2), one test file per worker at a time so
# a file's module fixtures are built once. `PYTEST_WORKERS=0 make test` runs it in one process.
PYTEST_WORKERS ?= auto
test: lint
	$(BIN)/python .ci/ensure_tools.py
	$(BIN)/python -m pytest $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --maxprocesses 4 --dist loadfile)

# The lower bounds in pyproject.toml are claims: this runs the suite on exactly those releases
# (.ci/oldest.py pins each direct dependency at its bound; what they pull in resolves as usual).
# The committed bundle was saved with newer releases, so it loads with a BundleVersionWarning here;
# tests/conftest.py ignores that one warning (as on any installation a feature release apart), every
# other warning is an error.
# `OLDEST_TESTS=tests/batch make test-oldest` runs a part of the suite.
OLDEST := .venv-oldest
$(OLDEST)/.installed: pyproject.toml .ci/oldest.py
	$(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install --quiet --upgrade pip
	$(PYTHON) .ci/oldest.py > $(OLDEST)/constraints.txt
	$(OLDEST)/bin/python -m pip install --quiet -c $(OLDEST)/constraints.txt -e ".[dev,spark]"
	@touch $@

test-oldest: $(OLDEST)/.installed
	$(OLDEST)/bin/python .ci/ensure_tools.py
	$(OLDEST)/bin/python -m pytest $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --maxprocesses 4 --dist loadfile) $(OLDEST_TESTS)

sample: $(VENV)/.installed
	$(BIN)/riskscore generate --borrowers 5000 --seed 20260101 --start 2024-01-01 --months 24 --out $(SAMPLE)

# The committed bundle: retrain it whenever the feature list changes (a test checks the contract).
model: $(VENV)/.installed
	$(BIN)/riskscore train --data $(SAMPLE) --out models/sample --overwrite

# The comparison anchors (lifelines, scikit-survival, optbinning) need pandas < 3, so they live in
# their own environment: `make bench-env`, then `.venv-bench/bin/python benchmarks/model_timing.py`.
bench-env:
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/python -m pip install --quiet --upgrade pip
	.venv-bench/bin/python -m pip install --quiet -e ".[bench]"

# The long property run of the contact policy (20 000 random worlds, about an hour on 2 cores).
test-exhaustive: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -m exhaustive tests/policy

bench-generate: $(VENV)/.installed
	$(BIN)/python benchmarks/generate.py

clean:
	rm -rf $(VENV) .venv-bench .venv-oldest runs .pytest_cache .ruff_cache

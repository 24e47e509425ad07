# Two commands for a newcomer: `make demo` runs the connector, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy tap_stripe_flow flow_adapter stripe_emulator scripts

test: lint
	$(BIN)/pytest

demo: $(STAMP)
	$(BIN)/python -m scripts.demo

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache

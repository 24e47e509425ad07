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
	$(BIN)/mypy tap_stripe_flow flow_adapter stripe_emulator scripts bench

# Most tests wait on processes and sockets, not on the CPU: three pytest-xdist workers run
# them side by side, each test file on one worker (its fixtures built once). The tests that
# time the connector (marked serial in tests/conftest.py) then run alone.
test: lint
	$(BIN)/pytest -n 3 --dist loadfile -m "not serial"
	$(BIN)/pytest -m serial

demo: $(STAMP)
	$(BIN)/python -m scripts.demo

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache

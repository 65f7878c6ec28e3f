PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/todo-chat serve --host $(HOST) --port $(PORT)

# Most suites run on two pytest-xdist workers (a file's tests on one worker, each worker with
# a database of its own); then the browser, the replicas and the storms run on their own,
# since what they assert (a sentence on the page within 2 s, the CPU an attack adds) holds on
# a machine they do not share with another worker.
ALONE := tests/backend/web tests/replicas tests/storms
WORKERS ?= 2

test: $(STAMP)
	$(BIN)/pytest -n $(WORKERS) --dist loadfile $(addprefix --ignore=,$(ALONE))
	$(BIN)/pytest $(ALONE)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy backend agent mcp_tools migrations tests

bench: $(STAMP)
	$(BIN)/python -m tests.bench
	$(BIN)/python -m tests.bench.storms

clean:
	rm -rf $(VENV) .todo-chat build *.egg-info

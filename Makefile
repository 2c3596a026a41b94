# Two commands from a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run run-replicated lint test test-slow bench validate console clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot run

# the web process under Litestream (litestream.yml): needs DATABASE_PATH and LITESTREAM_REPLICA_PATH
run-replicated: $(STAMP)
	PATH=$(BIN):$$PATH $(BIN)/litestream replicate -config litestream.yml -exec "python -m bot.server bot.web:create_wsgi_app"

# The linter and the type checker run before the tests (configured in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check --quiet
	$(BIN)/mypy

# two workers, one per core of the project's machines (pytest-xdist); the slow suite runs on its own
test: lint
	$(BIN)/python -m pytest -m "not slow" -n 2

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow || [ $$? -eq 5 ]  # exit 5: no slow tests collected

bench: $(STAMP)
	PYTHONPATH=. $(BIN)/python -m bench $(BENCH_ARGS)

validate: $(STAMP)
	$(BIN)/python -m bot validate

console: $(STAMP)
	$(BIN)/python -m bot console

clean:
	rm -rf $(VENV) build *.egg-info

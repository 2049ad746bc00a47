# `make run` serves the app on http://127.0.0.1:5000; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Port of `make run`; `make run PORT=5001` when 5000 is taken.
PORT ?= 5000
export SURVEY_DATABASE_URL ?=

.PHONY: run test install install-test lint clean translations bench-load bench-storm

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install
	$(BIN)/survey init
	$(BIN)/survey serve --port $(PORT)

test: install-test
	$(BIN)/pytest -q

lint: install-test
	$(BIN)/ruff check survey analysis tests bench
	$(BIN)/mypy

translations: install
	$(BIN)/python -m survey.catalog update
	$(BIN)/python -m survey.catalog compile

bench-load: install
	$(BIN)/python bench/bench_load.py

bench-storm: install
	$(BIN)/python bench/bench_storm.py

clean:
	rm -rf $(VENV) .pytest_cache

# Tympanum: the README's commands. Every target sets up what it needs.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' && { command -v $$p; break; }; done)
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
# The suite runs on every core (pytest-xdist, one file per worker at a time); 0 runs it in
# one process.
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

.PHONY: run serve test test-pg lint typecheck fmt bench translations messages install install-dev clean help

help:
	@echo "make run    - set up and serve the app on http://$(HOST):$(PORT) (SQLite in instance/)"
	@echo "make test   - set up the dev environment, lint, and run the whole test suite"
	@echo "make lint (ruff + mypy) / typecheck / fmt / bench / serve / translations / messages"

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (python3.11, python3.12 ...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed translations
install-dev: $(VENV)/.dev-installed translations node_modules/axe-core/axe.min.js

# axe-core for the browser tests' accessibility scans (package.json pins it). Without npm
# the scans are skipped with a message (or fail when TYMPANUM_REQUIRE_BROWSER=1, as in CI).
node_modules/axe-core/axe.min.js: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the accessibility scans in tests/browser will be skipped"; fi

# Compile the message catalogues (.po -> .mo); the binaries are never committed.
translations: | $(BIN)/python
	@if ls app/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel compile -d app/translations -f 2>&1 | { grep -v '^compiling catalog' || true; }; \
		test $${PIPESTATUS[0]} -eq 0; fi

# Extract the interface's texts and update the catalogues (then translate the new entries
# in app/translations/{de,fr,it}/LC_MESSAGES/messages.po and commit the .po files).
messages: | $(BIN)/python
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -k Msg --no-location --sort-output \
		--project=Tympanum --copyright-holder="Tympanum contributors" \
		-o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations \
		--no-fuzzy-matching --ignore-obsolete --width=100
	$(MAKE) translations

run: install
	$(FLASK) db upgrade
	$(FLASK) seed
	$(FLASK) demo accounts
	@echo "Serving Tympanum on http://$(HOST):$(PORT) (Ctrl-C to stop)"
	HOST=$(HOST) PORT=$(PORT) $(FLASK) run --host $(HOST) --port $(PORT) --no-debugger --no-reload

serve: install
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

lint: install-dev typecheck
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy: strict on app/services and app/definitions, the baseline elsewhere (pyproject.toml).
typecheck: install-dev
	$(BIN)/mypy

fmt: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: install-dev lint
	$(PYTEST) $(PYTEST_ARGS)

# The suite against PostgreSQL (TEST_DATABASE_URL must point at a scratch database).
test-pg: install-dev
	@test -n "$$TEST_DATABASE_URL" || { echo "Set TEST_DATABASE_URL to a scratch PostgreSQL database"; exit 2; }
	$(PYTEST) $(PYTEST_ARGS)

bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts node_modules

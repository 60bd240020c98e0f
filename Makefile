# PartnerHub developer commands. A fresh machine needs only Python >= 3.11 and make.
#   make run    start PartnerHub at http://127.0.0.1:8000 with demo data
#   make test   run the test suite (all but the browser tests)
# `make help` lists the rest.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-requirements-dev
# manage.py commands of the development targets run with DEBUG on unless told otherwise.
DEV := DEBUG=$${DEBUG:-true}

.PHONY: help venv run test e2e lint bench migrate seed clean distclean

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

venv: $(STAMP) ## Create .venv and install requirements-dev.txt (again only when it changes)

$(STAMP): requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else \
		"PartnerHub needs Python >= 3.11; run make with PYTHON=python3.x")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.txt
	@touch $@

run: venv ## Migrate, seed the demo data, start web + Celery worker/beat (Ctrl-C stops)
	DEBUG=true $(BIN)/python manage.py migrate --no-input
	DEBUG=true SITE_URL=http://127.0.0.1:$(PORT) $(BIN)/python manage.py seed_demo
	@echo
	@echo "PartnerHub is starting at http://127.0.0.1:$(PORT)/  (Ctrl-C stops web and worker)"
	@echo
	DEBUG=true SITE_URL=http://127.0.0.1:$(PORT) PARTNERHUB_PORT=$(PORT) \
		PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho --env /dev/null -f Procfile.dev start

# Serial on purpose: the tests share one Redis database, which each test flushes, and the
# owner-role test database set-up in tests/conftest.py gives xdist workers no database name
# of their own.
test: venv ## Run the test suite except the browser tests
	$(BIN)/python -m pytest --ignore=tests/e2e -m "not e2e" $(PYTEST_ARGS)

e2e: venv ## Run the browser tests (Debian's chromium)
	@test -x /usr/bin/chromium || { echo "make e2e needs /usr/bin/chromium: apt-get install chromium"; exit 1; }
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/python -m pytest tests/e2e -m e2e $(PYTEST_ARGS)

lint: venv ## ruff check, ruff format --check, mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(DEV) $(BIN)/mypy

# The benchmark suite (README "Benchmarks"): its own database next to DATABASE_URL's,
# gunicorn with production settings, wrk. CI runs SCALE=small (no timing assertions).
SCALE ?= full
bench: venv ## Benchmarks: make bench [SCALE=small] (PostgreSQL, Redis and wrk)
	@command -v wrk >/dev/null || { echo "make bench needs wrk: apt-get install wrk"; exit 1; }
	$(BIN)/python -m bench --scale $(SCALE)

migrate: venv ## Apply database migrations (as the owner role when MIGRATION_DATABASE_URL is set)
	$(DEV) $(BIN)/python manage.py migrate --no-input

seed: venv ## Create the demo data (idempotent) and print the logins
	$(DEV) $(BIN)/python manage.py seed_demo

clean: ## Remove local state (SQLite database, broker folder, caches), keep .venv
	rm -rf var .mypy_cache .ruff_cache .pytest_cache test-results bench-results
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean ## Also remove .venv
	rm -rf $(VENV)

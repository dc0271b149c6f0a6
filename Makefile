# Household Services: `make run` to try it, `make test` to check it.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY      := .venv/bin/python
STAMPS  := .stamps
export FLASK_APP := household:create_app
PORT ?= 5000
export PORT
# Local demo credentials for `make run` (override in the environment or .env).
ADMIN_EMAIL ?= admin@household.local
ADMIN_PASSWORD ?= Admin@Household2026
export ADMIN_EMAIL ADMIN_PASSWORD

.PHONY: help run test test-sqlite test-postgres bench lint deps frontend frontend-check browser clean

help:
	@echo "make run    install what is missing, migrate, seed demo data, start web + worker + beat + mail catcher"
	@echo "make test   install what is missing and run every test (on SQLite and on PostgreSQL, side by side)"
	@echo "make bench  load and job benchmarks"
	@echo "make lint   ruff"

$(STAMPS):
	@mkdir -p $(STAMPS)

# Python: a virtualenv synced to the committed lock file.
$(STAMPS)/python: requirements.lock | $(STAMPS)
	@test -x $(PY) || python3.11 -m venv .venv || python3 -m venv .venv
	@$(PY) -m pip install --quiet --disable-pip-version-check uv
	@.venv/bin/uv pip sync --quiet --python $(PY) requirements.lock
	@touch $@

deps: $(STAMPS)/python

# Front end: npm ci from the committed lock, then a production build into frontend/dist.
FRONTEND_SRC := $(shell test -d frontend && find frontend/src frontend/public frontend/index.html frontend/vite.config.* -type f 2>/dev/null)
$(STAMPS)/npm: frontend/package-lock.json | $(STAMPS)
	@cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

frontend/dist/index.html: $(STAMPS)/npm $(FRONTEND_SRC)
	@cd frontend && npm run --silent build
	@touch $@

frontend:
	@if [ -f frontend/package.json ]; then $(MAKE) --no-print-directory frontend/dist/index.html; fi

# The front end's own checks: ESLint (Vue plugin), then the Vitest unit tests.
frontend-check: $(STAMPS)/npm
	@cd frontend && npm run --silent lint && npm run --silent test:unit

# Debian's Chromium for the end-to-end tests (Playwright cannot download browsers here) and wrk
# for the benchmark's own tests.
browser:
	@missing=""; command -v chromium >/dev/null || missing="chromium"; \
	  command -v wrk >/dev/null || missing="$$missing wrk"; \
	  if [ -n "$$missing" ]; then \
	    echo "Installing$$missing from Debian's packages..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	    || echo "Could not install$$missing: the tests that need it will be skipped."; \
	  fi

run: deps frontend
	@mkdir -p instance
	@$(PY) -m flask db upgrade
	@$(PY) -m flask create-admin
	@$(PY) -m flask seed-demo | sed -n '1p'
	@echo ""
	@echo "  Household Services is starting on http://127.0.0.1:$(PORT)/"
	@echo "  API reference:   http://127.0.0.1:$(PORT)/api/docs"
	@if [ -z "$$MAIL_SERVER" ]; then echo "  Mail inbox:      http://127.0.0.1:$${MAILCATCHER_HTTP_PORT:-8025}/"; fi
	@echo "  Admin:           $(ADMIN_EMAIL) / $(ADMIN_PASSWORD)"
	@$(PY) -c "from household.demo import *; print(f'  Customer:        {DEMO_CUSTOMER} / {DEMO_PASSWORD}'); print(f'  Professional:    {DEMO_PROFESSIONAL} / {DEMO_PASSWORD}')"
	@echo "  Ctrl-C stops everything."
	@echo ""
	@if [ -z "$$MAIL_SERVER" ]; then procs="web worker beat mail"; else procs="web worker beat"; fi; \
	  exec .venv/bin/honcho start $$procs

test: deps frontend browser frontend-check
	@rm -rf test-artifacts && mkdir -p test-artifacts
	@echo "== Test suite on SQLite and on PostgreSQL, side by side (logs in test-artifacts/) =="
	@tests/run_both.sh $(ARGS)

test-sqlite: deps
	@TEST_DB=sqlite $(PY) -m pytest -p no:cacheprovider $(ARGS)

test-postgres: deps
	@TEST_DB=postgres $(PY) -m pytest -p no:cacheprovider $(ARGS)

lint: deps
	@.venv/bin/ruff check household tests bench

bench: deps frontend
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
	@$(PY) -m bench $(ARGS)

clean:
	rm -rf .venv $(STAMPS) frontend/node_modules frontend/dist test-artifacts

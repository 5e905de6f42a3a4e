# SIKANDA — the two commands a newcomer needs:
#   make run    the app on SQLite with demo users at http://127.0.0.1:5000
#   make test   the whole test suite, on SQLite and on a throwaway PostgreSQL
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
export SIKANDA_ENV ?= development

.PHONY: run test deps dev-deps node system-deps lint test-sqlite test-postgres bench-quick clean

$(VENV)/bin/python:
	python3 -m venv $(VENV)

deps: $(VENV)/bin/python node
	$(PY) -m pip install -q -r requirements.txt

dev-deps: $(VENV)/bin/python node
	$(PY) -m pip install -q -r requirements-dev.txt

node:
	npm ci --no-audit --no-fund --loglevel=error

# Debian packages: Chromium for the browser tests, PostgreSQL for the second test run, Pango and HarfBuzz
# for WeasyPrint's PDFs, the Liberation fonts for both
system-deps:
	@if ! command -v chromium >/dev/null || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
	    || ! fc-list | grep -qi liberation || ! ldconfig -p | grep -q libharfbuzz-subset; then \
	  export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && \
	  apt-get install -y -qq --no-install-recommends chromium fonts-liberation postgresql \
	    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 >/dev/null; \
	fi

# the scheduler ticks every minute beside the development server and stops with it
run: deps
	$(FLASK) db upgrade
	$(FLASK) seed-demo --samples 12
	( while sleep 60; do $(FLASK) tick >/dev/null || true; done ) & ticker=$$!; \
	trap "kill $$ticker 2>/dev/null" EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port 5000

lint: dev-deps
	$(VENV)/bin/ruff check .

test-sqlite:
	SIKANDA_ENV=test $(PY) -m pytest -q

test-postgres:
	SIKANDA_ENV=test .ci/with-postgres $(PY) -m pytest -q

# the benchmark suite in its short form, on SQLite and a throwaway PostgreSQL (results in test-artifacts/bench/);
# a missed target is reported in the table, a benchmark that breaks (an error, an HTTP error) fails
bench-quick:
	.ci/with-postgres $(PY) -m bench --quick
	.ci/with-postgres $(PY) -m bench.load --quick

test: system-deps dev-deps lint test-sqlite test-postgres bench-quick

clean:
	rm -rf instance test-artifacts .pytest_cache

# EstateDesk — the two commands: `make run` and `make test` (see README).
# The interpreter .venv is made with: the distribution's optimised Python 3.11+ where there is
# one (scripts/python-for-venv, docs/performance.md), else python3.
PYTHON ?= $(shell scripts/python-for-venv)
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
BIN := $(VENV)/bin
DEV_ENV := DJANGO_DEBUG=$${DJANGO_DEBUG:-1}

.PHONY: install run test test-fast lint migrate demo worker bench check-deploy lock clean messages

$(BIN)/.installed: requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	touch $@

install: $(BIN)/.installed

migrate: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --no-input

## make run: install, migrate, load demo data if the database is empty, serve the console.
run: migrate
	$(DEV_ENV) $(BIN)/python manage.py load_demo_data --if-empty
	$(DEV_ENV) $(BIN)/python manage.py console_banner --host $(HOST) --port $(PORT)
	@# The worker (deadline sweeps, escalations, notifications) runs beside the server and stops with it.
	$(DEV_ENV) sh -c '$(BIN)/python manage.py worker --interval 30 & worker=$$!; \
		trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
		$(BIN)/python manage.py runserver $(HOST):$(PORT)'

## the background worker alone (production runs it as its own service; see docs/production.md)
worker: migrate
	$(DEV_ENV) $(BIN)/python manage.py worker

## make test: the whole suite (browser tests included; Chromium is installed when missing).
test: install
	scripts/ensure-chromium.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## the suite without the browser tests
test-fast: install
	$(BIN)/python -m pytest -m "not browser" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check-deploy: install
	DJANGO_DEBUG=0 SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
		ALLOWED_HOSTS=estatedesk.example.com CSRF_TRUSTED_ORIGINS=https://estatedesk.example.com \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

## refresh the English catalogue: new strings appear in locale/en/LC_MESSAGES/django.po with an
## empty msgstr; translate them, then run `make messages` again to compile django.mo (both are committed).
messages: install
	$(DEV_ENV) $(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=bench
	$(DEV_ENV) $(BIN)/python manage.py compilemessages -l en --ignore=.venv

## make bench: performance figures on a 1,000,000-request PostgreSQL data set (docs/performance.md).
## Options: BENCH_REQUESTS, BENCH_DURATION, BENCH_SCENARIOS, BENCH_REGENERATE=1 (see bench/run.py).
BENCH_REQUESTS ?= 1000000
bench: install
	@command -v wrk >/dev/null || { SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$SUDO apt-get update && $$SUDO apt-get install -y wrk; }
	BENCH_REQUESTS=$(BENCH_REQUESTS) $(BIN)/python bench/run.py

## regenerate the lock file after editing requirements.in
lock:
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile requirements.in -o requirements.lock --generate-hashes

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache

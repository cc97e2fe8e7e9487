# Limber: `make run` serves the app with demo data, `make test` runs the whole suite.
# Both set up everything a fresh Debian 12 machine lacks, and are quick to re-run.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# WeasyPrint needs Pango; without libharfbuzz-subset0 it silently falls back to a
# font-subsetting path that is many times slower.
# Names and free text in any script print without boxes: Noto Sans covers Latin, Greek,
# Cyrillic, Arabic and Hebrew (fonts-noto-core), Noto Sans CJK Chinese, Japanese and
# Korean. gettext compiles the translation catalogues (locale/) at every run and test.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libcairo2 \
	fonts-dejavu-core fonts-liberation2 fonts-noto-core fonts-noto-cjk gettext
# Browser tests drive Debian's Chromium; PDF tests render pages with pdftoppm; the backup
# drill and the degraded-service tests use a local PostgreSQL and Redis.
TEST_SYSTEM_PACKAGES := chromium poppler-utils postgresql redis-server

.PHONY: messages run serve scaleout test test-quick lint format bench bench-caseload sysdeps test-sysdeps test-services venv venv-dev clean help

help:
	@echo "make run    set up, migrate, load demo data and serve on http://127.0.0.1:$(PORT)"
	@echo "make serve  the production profile (DEBUG off, gunicorn) on http://localhost:$(PORT)"
	@echo "make scaleout  two app servers behind nginx under load, through database and Redis outages"
	@echo "make test   set up (with test tools and Chromium) and run the whole suite"
	@echo "make test-quick  the suite without the browser journeys and the form fuzzer"
	@echo "make lint   ruff check and format check"
	@echo "make bench  time the heavy pages and print the figures"
	@echo "make bench-caseload  Today, logging and caseload timings on 10,000 demo patients"

# The web server, the task worker (PDFs, e-mail, sweeps: one task at a time, at a lower
# CPU priority so pages stay quick) and the scheduler; Ctrl+C stops all three. The worker
# is started again if it exits (django-tasks-db's db_worker exits when the database
# restarts). The trap is reset before it signals the process group, or bash would signal
# itself again and report a crash.
WORKER := while :; do nice -n 10 $(BIN)/python manage.py db_worker --queue-name '*' --no-reload; sleep 2; done
run: sysdeps venv messages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "Limber is running on http://127.0.0.1:$(PORT) with its task worker and scheduler (Ctrl+C to stop)"
	@trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	export PORT=$(PORT); \
	$(WORKER) & \
	$(BIN)/python manage.py run_scheduler & \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The production profile on this machine: DEBUG off, static files collected, gunicorn
# (gunicorn.conf.py) with the task worker and the scheduler; Ctrl+C stops all three. The
# secrets are made once into .serve.env (local only, not committed); edit it to try other
# settings. The database is DATABASE_URL, else the SQLite file `make run` uses. If one of
# gunicorn or the scheduler stops (gunicorn cannot bind, say), the others are stopped too.
SERVE_ENV := .serve.env
serve: sysdeps venv messages $(SERVE_ENV)
	@set -a; . ./$(SERVE_ENV); set +a; \
	export GUNICORN_BIND=127.0.0.1:$(PORT) SITE_URL=$${SITE_URL:-http://localhost:$(PORT)}; \
	$(BIN)/python manage.py migrate --noinput && \
	$(BIN)/python manage.py createcachetable && \
	$(BIN)/python manage.py collectstatic --noinput -v0 || exit 1; \
	echo ""; \
	echo "Limber (production profile) is running on http://localhost:$(PORT) with its task worker and scheduler (Ctrl+C to stop)"; \
	trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	$(WORKER) & \
	$(BIN)/python manage.py run_scheduler & \
	$(BIN)/gunicorn -c gunicorn.conf.py & \
	wait -n

$(SERVE_ENV): | venv
	@umask 077; { \
	echo "# Made by 'make serve': the production profile on this machine. Not for a server:"; \
	echo "# see deploy/limber.env.example. Plain HTTP on localhost, so no HTTPS redirect;"; \
	echo "# e-mail is not delivered unless EMAIL_HOST names a real SMTP server."; \
	echo "DEBUG=False"; \
	echo "SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')"; \
	echo "MFA_ENCRYPTION_KEY=$$($(BIN)/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"; \
	echo "ALLOWED_HOSTS=localhost,127.0.0.1"; \
	echo "SECURE_SSL_REDIRECT=False"; \
	echo "EMAIL_HOST=127.0.0.1"; \
	echo "EMAIL_PORT=2525"; \
	} > $@
	@echo "Made $@ (local secrets for make serve)"

# Two gunicorn app servers behind nginx, the task worker, their own PostgreSQL and Redis:
# a minute of patients logging sessions and clinicians reading pages while the database
# restarts and Redis stops and hangs. Prints throughput and latencies; fails on a lost or
# doubled session, a response slower than 5 s, or a 500 outside the database outage.
# nginx is the proxy the README's production setup uses (about 2 MB installed).
scaleout: sysdeps test-sysdeps venv messages
	$(call apt_ensure,nginx)
	$(BIN)/python tools/scaleout_drill.py $(ARGS)

# One test process per core (pytest-xdist); TEST_WORKERS=0 runs them in this process.
# Compiled files are kept even where PYTHONDONTWRITEBYTECODE is set (the machines we
# develop on set it): otherwise each test process compiles our modules and rewrites the
# asserts of every test module and test plugin again, 6 of the 11.6 s it takes to collect.
TEST_WORKERS ?= auto
test: sysdeps test-sysdeps test-services venv-dev messages
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(TEST_WORKERS) $(ARGS)

# A lane for before each commit: the suite without the browser journeys and the form
# fuzzer, which are over half of its time. `make test` and CI still run everything.
test-quick: sysdeps test-sysdeps test-services venv-dev messages
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(TEST_WORKERS) \
		--ignore=tests/browser --ignore=tests/fuzz $(ARGS)

# Starts the local PostgreSQL and Redis if they are installed but not running.
test-services:
	@if command -v pg_isready >/dev/null && ! pg_isready -h 127.0.0.1 -p 5432 -q; then \
		cluster=$$(ls /etc/postgresql | sort -V | tail -n 1); \
		$(SUDO) pg_ctlcluster --skip-systemctl-redirect "$$cluster" main start; \
		for _ in $$(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done; \
	fi
	@if command -v redis-cli >/dev/null && ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then \
		$(SUDO) redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no; \
	fi

# Timings of the heavy pages on a throwaway SQLite file (or DATABASE_URL when set): first
# in-process (builder, library, handout renders and handouts per minute), then in a real
# gunicorn worker on the demo data (tools/bench_server.py: CPU per request of Today, the
# session POST, the caseload and the chart against hello world in the same run, a new
# worker's first request, memory per worker).
BENCH_DB := sqlite:///$(CURDIR)/bench.sqlite3
bench: sysdeps venv
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DB)} $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DB)} $(BIN)/python manage.py seed_demo -v0 >/dev/null
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DB)} $(BIN)/python -m tools.bench $(ARGS)
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DB)} $(BIN)/python tools/bench_server.py

# Patient Today page, session logging, caseload and the worker's whole-clinic jobs on
# 10,000 demo patients with 90 days of history (seeded once into its own SQLite file,
# about a minute and a half).
BIG_DB := sqlite:///$(CURDIR)/bench-big.sqlite3
bench-caseload: sysdeps venv
	@if [ ! -f bench-big.sqlite3 ]; then \
		DATABASE_URL=$(BIG_DB) $(BIN)/python manage.py migrate --noinput -v0 && \
		DATABASE_URL=$(BIG_DB) $(BIN)/python manage.py seed_demo --clinics 1 --patients 10000 --days 90; \
	fi
	DATABASE_URL=$(BIG_DB) $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=$(BIG_DB) $(BIN)/python -m tools.bench --logging-only $(ARGS)
	DATABASE_URL=$(BIG_DB) $(BIN)/python tools/bench_server.py --caseload-only

# The translation catalogues (locale/*/LC_MESSAGES/django.po), compiled to the .mo files
# Django reads; the .mo files are build output, not committed.
messages: sysdeps venv
	$(BIN)/python manage.py compilemessages --ignore=.venv -v0

lint: venv-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: venv-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Installs only what is missing, so re-runs cost one dpkg query.
define apt_ensure
	@if command -v dpkg-query >/dev/null; then \
		missing=""; \
		for p in $(1); do \
			dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
		done; \
		if [ -n "$$missing" ]; then \
			echo "Installing system packages:$$missing"; \
			$(SUDO) apt-get update -qq && \
			$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
		fi; \
	else \
		echo "Not a Debian system: make sure these are installed: $(1)"; \
	fi
endef

sysdeps:
	$(call apt_ensure,$(SYSTEM_PACKAGES))
	@$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || { \
		echo "Installing python3-venv"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; }

test-sysdeps:
	$(call apt_ensure,$(TEST_SYSTEM_PACKAGES))

venv: $(VENV)/.runtime-installed
venv-dev: $(VENV)/.dev-installed

$(VENV)/.runtime-installed: requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.runtime-installed
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

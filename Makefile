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
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libcairo2 \
	fonts-dejavu-core fonts-liberation2
# Browser tests drive Debian's Chromium; PDF tests render pages with pdftoppm.
TEST_SYSTEM_PACKAGES := chromium poppler-utils

.PHONY: run test lint format bench bench-caseload sysdeps test-sysdeps venv venv-dev clean help

help:
	@echo "make run    set up, migrate, load demo data and serve on http://127.0.0.1:$(PORT)"
	@echo "make test   set up (with test tools and Chromium) and run the whole suite"
	@echo "make lint   ruff check and format check"
	@echo "make bench  time the heavy pages and print the figures"
	@echo "make bench-caseload  Today, logging and caseload timings on 10,000 demo patients"

run: sysdeps venv
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "Limber is running on http://127.0.0.1:$(PORT)  (Ctrl+C to stop)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: sysdeps test-sysdeps venv-dev
	$(BIN)/python -m pytest $(ARGS)

# Timings of the heavy pages on a throwaway SQLite file (or DATABASE_URL when set).
BENCH_DB := sqlite:///$(CURDIR)/bench.sqlite3
bench: sysdeps venv
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DB)} $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DB)} $(BIN)/python manage.py bench $(ARGS)

# Patient Today page, session logging and caseload on 10,000 demo patients with 90 days
# of history (seeded once into its own SQLite file, about a minute and a half).
BIG_DB := sqlite:///$(CURDIR)/bench-big.sqlite3
bench-caseload: sysdeps venv
	@if [ ! -f bench-big.sqlite3 ]; then \
		DATABASE_URL=$(BIG_DB) $(BIN)/python manage.py migrate --noinput -v0 && \
		DATABASE_URL=$(BIG_DB) $(BIN)/python manage.py seed_demo --clinics 1 --patients 10000 --days 90; \
	fi
	DATABASE_URL=$(BIG_DB) $(BIN)/python manage.py bench --logging-only $(ARGS)

lint: venv-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

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

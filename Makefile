# bizops: `make demo` runs the platform, `make test` runs the suite.
# Both create .venv and install requirements/dev.txt on first use.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-dev
DEMO_ENV := DEBUG=1 DATABASE_URL=sqlite:///$(CURDIR)/db.sqlite3 REDIS_URL=
PYTEST_ARGS ?=

.PHONY: help demo test lint format bench sandbox venv python-version clean

help:
	@echo "make demo   - set up and serve the platform on http://127.0.0.1:8000/ (SQLite, eager Celery)"
	@echo "make test   - run the whole test suite (PostgreSQL/Redis tests run when DATABASE_URL/REDIS_URL are set)"
	@echo "make lint   - ruff check, format check and the import contracts (floors)"
	@echo "make bench  - benchmarks (figures and ratios)"
	@echo "make sandbox - the Meta/TikTok/Shopify API sandbox on http://127.0.0.1:8765/ (SANDBOX_ARGS=...)"

python-version:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null || \
	  { echo "bizops needs Python 3.11 or newer, found: $$($(PYTHON) --version 2>&1) (set PYTHON=/path/to/python3.11)"; exit 1; }

$(STAMP): requirements/base.txt requirements/dev.txt | python-version
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "installing requirements (about 1-4 minutes on first use)..."
	$(PY) -m pip install --disable-pip-version-check -r requirements/dev.txt
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py run_pipeline --sandbox --days 90
	@# Seeded after the pipeline: the first forecast has actuals, and the admin's password is the last thing printed.
	$(DEMO_ENV) $(PY) manage.py seed_demo
	@echo "Serving http://127.0.0.1:8000/ (Ctrl-C to stop)"
	$(DEMO_ENV) $(PY) manage.py runserver 127.0.0.1:8000

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# Benchmarks need PostgreSQL (each makes and drops its own scratch tables or
# database); override BENCH_DATABASE_URL to point them elsewhere.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres

bench: $(STAMP)
	@failed=""; for script in bench/*.py; do \
	  echo "== $$script"; \
	  DATABASE_URL="$(BENCH_DATABASE_URL)" $(PY) "$$script" || failed="$$failed $$script"; \
	done; \
	if [ -n "$$failed" ]; then echo "benchmarks that failed:$$failed"; exit 1; fi

sandbox: $(STAMP)
	$(DEMO_ENV) $(PY) manage.py sandbox $(SANDBOX_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache

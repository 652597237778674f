# Collab Hub — everything a developer runs. Needs only GNU make and Python 3.11+.
#
#   make run     set up (venv, install, translations, migrate, demo data) and serve on :8000
#   make test    set up the same way and run the fast tests (ARGS="-k demo -x" passes through)
#   make test-all the same with the `slow` tests too: fuzzing, demo runs, browser, over 1 s
#
# PYTHON picks the interpreter that creates the virtual environment: make PYTHON=python3.12 run

PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
ARGS ?=
# Tests: MARK adds a marker expression (pytest takes one -m, so not in ARGS): MARK="not postgres".
# WORKERS is pytest-xdist's -n: a process per CPU, or 0 for one process (--pdb, -s). The tests
# clear the cache, which with REDIS_URL is one Redis for every worker: then they run in one.
MARK ?=
WORKERS ?= $(if $(REDIS_URL),0,auto)

BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# Touched after a successful install; pyproject.toml newer than it means "install again".
STAMP := $(VENV)/.installed
# Compiled catalogues: one .mo per .po, rebuilt only when its .po changes (none yet is fine).
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)

DEMO_URL := http://$(HOST):$(PORT)/
DEMO_LOGIN := admin@demo.collabhub.test
DEMO_PASSWORD := demo-pass-2026

.DEFAULT_GOAL := help
.PHONY: help install messages run test test-all lint translations fmt migrate demo worker beat clean distclean

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "Collab Hub needs Python 3.11 or newer; '$(PYTHON)' is not. Try: make PYTHON=python3.11 ..." >&2; \
		exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -e ".[dev]"
	@touch $@

install: $(STAMP) ## Create .venv (if missing) and install the pinned dependencies

# Babel skips a catalogue whose header is marked fuzzy (as makemessages leaves it): say so.
locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po $(STAMP)
	@rm -f $@
	$(BIN)/pybabel --quiet compile --domain django --input-file $< --output-file $@
	@test -f $@ || { echo "$< was not compiled: remove '#, fuzzy' from its header" >&2; exit 1; }

messages: $(MO_FILES) ## Compile the translation catalogues (locale/*/LC_MESSAGES/django.po)

run: install messages ## Set everything up and serve the app on http://127.0.0.1:8000/
	$(MANAGE) migrate --noinput
	$(MANAGE) demo
	@echo ""
	@echo "  Collab Hub is starting on $(DEMO_URL)"
	@echo "  Log in as $(DEMO_LOGIN) with the password $(DEMO_PASSWORD) (Ctrl-C stops it)."
	@echo ""
	$(MANAGE) runserver $(HOST):$(PORT)

# worksteal: a worker that runs out takes tests queued for the other, so both end together.
XDIST := -n $(WORKERS)$(if $(filter 0,$(WORKERS)),, --dist worksteal)
# Without slow tests the fuzzing module is not even collected (tests/conftest.py), and nothing
# else uses the schemathesis and hypothesis plugins: not loading them saves each process ~1.5 s.
FAST_SUITE := -m "not slow$(if $(MARK), and ($(MARK)))" -p no:schemathesis -p no:hypothesispytest
NO_M_IN_ARGS = $(if $(filter -m -m%,$(ARGS)),$(error Select by marker with MARK="...", not -m))

test: install messages ## Run the fast tests, all but the `slow` ones (ARGS="...", MARK, WORKERS)
	$(NO_M_IN_ARGS)$(BIN)/pytest $(XDIST) $(FAST_SUITE) $(ARGS)

test-all: install messages ## Run every test, slow ones included (ARGS, MARK, WORKERS as for test)
	$(NO_M_IN_ARGS)$(BIN)/pytest $(XDIST) $(if $(MARK),-m "$(MARK)") $(ARGS)

lint: install ## ruff, no missing migrations, import contracts, mypy (vs its baseline), djlint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run
	$(BIN)/lint-imports
	$(BIN)/mypy collab_hub accounts leads | $(BIN)/mypy-baseline filter --sort-baseline
	$(BIN)/djlint --lint templates tests/scratch_app/templates

translations: install ## Extract new strings into locale/pl/LC_MESSAGES/django.po (then translate them)
	$(MANAGE) makemessages -l pl --no-obsolete -i ".venv/*" -i "tests/*" -i "static/*" -i "benchmarks/*"

fmt: install ## Fix what ruff can fix and format the code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: install ## Apply the database migrations
	$(MANAGE) migrate --noinput

demo: install ## Create (or refresh) the demo organization and its users
	$(MANAGE) demo

worker: install messages ## Run a Celery worker (needs REDIS_URL; without it tasks run in-process)
	$(BIN)/celery -A collab_hub worker -l info

beat: install ## Run Celery beat, the scheduler of periodic jobs (needs REDIS_URL)
	$(BIN)/celery -A collab_hub beat -l info --schedule $(VENV)/celerybeat-schedule

clean: ## Remove caches and generated files (keeps .venv and the SQLite database)
	rm -rf .pytest_cache .ruff_cache .hypothesis staticfiles test-results
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
	find locale -name '*.mo' -delete 2>/dev/null || true

distclean: clean ## Back to a fresh checkout: also remove .venv and the SQLite database
	rm -rf $(VENV) *.egg-info db.sqlite3 db.sqlite3-journal

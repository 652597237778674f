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
.PHONY: help install messages run test test-all lint translations fmt migrate demo worker beat fuzz clean distclean

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
	SITE_URL="$${SITE_URL:-http://$(HOST):$(PORT)}" $(MANAGE) runserver $(HOST):$(PORT)

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

# Schema fuzzing (DESIGN §7.3): schemathesis over every operation of /api/schema/ — all checks,
# positive and negative data, stateful sequences, FUZZ_EXAMPLES cases per operation — as the
# demo organization's admin, against `runserver` with production settings (DEBUG off, so
# errors are the API's JSON, not debug pages) on a scratch SQLite database seeded by `demo`.
# FUZZ_SEED makes a run repeatable; the report (JUnit, and the failures as pytest cases to
# replay) lands in $(FUZZ_DIR)/report. Throttles are raised so cases are not all 429s; no NUL
# characters are generated (DRF refuses them in every text field, a 400 either way).
FUZZ_PORT ?= 8765
FUZZ_EXAMPLES ?= 50
FUZZ_SEED ?= 2026
FUZZ_ARGS ?=
FUZZ_DIR := $(VENV)/fuzz
FUZZ_ENV := DATABASE_URL=sqlite:///$(abspath $(FUZZ_DIR))/db.sqlite3 DEBUG=false \
	STATIC_ROOT=$(abspath $(FUZZ_DIR))/static MEDIA_ROOT=$(abspath $(FUZZ_DIR))/media \
	SECRET_KEY=fuzzing-only-not-a-secret SECURE_SSL_REDIRECT=false REDIS_URL= \
	THROTTLE_USER=100000/min THROTTLE_ANON=100000/min THROTTLE_TOKEN=100000/min \
	THROTTLE_CAPTURE_KEY=100000/min THROTTLE_CAPTURE_IP=100000/min THROTTLE_LEAD_IMPORT=100000/min

fuzz: install messages ## Fuzz the API schema with schemathesis against a scratch demo server
	@rm -rf $(FUZZ_DIR) && mkdir -p $(FUZZ_DIR)
	$(FUZZ_ENV) $(MANAGE) migrate --noinput -v 0
	$(FUZZ_ENV) $(MANAGE) demo -v 0
	$(FUZZ_ENV) $(MANAGE) collectstatic --noinput -v 0
	@set -u; export $(FUZZ_ENV); \
	token=$$($(MANAGE) shell -v 0 -c "from rest_framework.authtoken.models import Token; \
		from accounts.models import User; \
		print(Token.objects.get_or_create(user=User.objects.get(email='$(DEMO_LOGIN)'))[0].key)"); \
	$(MANAGE) runserver --noreload --skip-checks 127.0.0.1:$(FUZZ_PORT) > $(FUZZ_DIR)/server.log 2>&1 & \
	server=$$!; trap 'kill $$server 2>/dev/null' EXIT; \
	$(BIN)/schemathesis run "http://127.0.0.1:$(FUZZ_PORT)/api/schema/?format=json" \
		--wait-for-schema 60 --checks all --mode all \
		--phases examples,coverage,fuzzing,stateful --max-examples $(FUZZ_EXAMPLES) \
		--seed $(FUZZ_SEED) --workers 1 --suppress-health-check all --generation-allow-x00 false \
		--generation-with-security-parameters false \
		--header "Authorization: Token $$token" --header "X-Organization: northwind-demo" \
		--report junit,pytest --report-dir $(FUZZ_DIR)/report $(FUZZ_ARGS); \
	status=$$?; echo "Server log: $(FUZZ_DIR)/server.log; report: $(FUZZ_DIR)/report"; exit $$status

lint: install ## ruff, no missing migrations, import contracts, mypy (vs its baseline), djlint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run
	$(BIN)/lint-imports
	$(BIN)/mypy collab_hub accounts leads roadmap handoffs feedback | $(BIN)/mypy-baseline filter --sort-baseline
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

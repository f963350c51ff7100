# CDTT developer entry points. Run `make help`.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
CDTT_BIND ?= 127.0.0.1
CDTT_PORT ?= 8000
# Extra pytest arguments for `make test`, e.g. make test ARGS="-k healthz -x"
ARGS ?=

.PHONY: help install demo test lint drill restore-drill

help:
	@echo "make install  create $(VENV) (python3 >= 3.11) and install requirements-dev.txt (skipped when unchanged)"
	@echo "make demo     install, prepare the database and demo data, serve on http://$(CDTT_BIND):$(CDTT_PORT)"
	@echo "make test     lint, then the whole test suite on SQLite and on a throw-away PostgreSQL (scripts/test.sh)"
	@echo "              extra pytest arguments: make test ARGS='-k foo'  (or scripts/test.sh -k foo)"
	@echo "make lint     ruff check, ruff format --check, mypy, lint-imports (import contracts in .importlinter)"
	@echo "make drill    the cluster drill: Patroni+etcd, HAProxy, 2 app nodes, 2 workers; kills the primary, an app"
	@echo "              node and a worker under load, then restores with pgBackRest (DRILL_ARGS=--short: CI form)"
	@echo "make restore-drill  load, then point-in-time restore to a fresh cluster; compares counts and checksums"

install:
	@VENV="$(VENV)" scripts/install.sh

demo: install
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_admin_units
	$(PY) manage.py load_demo
	$(PY) manage.py sweep_import_jobs
	$(PY) manage.py escalate_difficulties
	$(PY) manage.py remind_reports
	@echo
	@echo "Nền tảng CDTT đang chạy tại / CDTT is running at: http://$(CDTT_BIND):$(CDTT_PORT)   (Ctrl-C để dừng / to stop)"
	@echo
	@# The background worker (imports, exports) runs beside the web server and stops with it.
	@$(PY) manage.py db_worker --interval 1 & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(VENV)/bin/gunicorn config.wsgi --bind "$(CDTT_BIND):$(CDTT_PORT)" --workers 2 --threads 4 --access-logfile -

test:
	scripts/test.sh $(ARGS)

# Extra arguments for the drill, e.g. make drill DRILL_ARGS="--short --keep"
DRILL_ARGS ?=

drill: install
	VENV="$(VENV)" scripts/drill.sh $(DRILL_ARGS)

restore-drill: install
	VENV="$(VENV)" scripts/drill.sh --restore-only $(DRILL_ARGS)

lint: install
	@rc=0; \
	echo "--- ruff check"; $(VENV)/bin/ruff check . || rc=1; \
	echo "--- ruff format --check"; $(VENV)/bin/ruff format --check . || rc=1; \
	echo "--- mypy"; $(VENV)/bin/mypy . || rc=1; \
	echo "--- lint-imports"; $(VENV)/bin/lint-imports || rc=1; \
	exit $$rc

# The README's commands. Each installs what is missing first, so a fresh clone needs only
# Python 3.11+ and Node 20+ (and, for `make test`, Debian's apt for chromium).
SHELL := /bin/bash
PYTHON ?= python3
UV := $(PYTHON) -m uv
VENV_PY := .venv/bin/python
NPM_CI := npm ci --no-audit --no-fund --loglevel=error
export UV_PYTHON ?= $(PYTHON)
export NEXT_TELEMETRY_DISABLED := 1

.PHONY: up down test lint bench install

INSPECTOR := mcp_server/tests/inspector

install: .venv/.synced frontend/node_modules/.package-lock.json

.venv/.synced: uv.lock pyproject.toml todo_core/pyproject.toml backend/pyproject.toml mcp_server/pyproject.toml agent/pyproject.toml
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check uv
	$(UV) sync --frozen --all-packages
	@touch $@

# npm rewrites node_modules/.package-lock.json on every install, so it marks "installed".
frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && $(NPM_CI)

# The MCP Inspector CLI, pinned, for the test that drives the MCP server with it.
$(INSPECTOR)/node_modules/.package-lock.json: $(INSPECTOR)/package-lock.json
	cd $(INSPECTOR) && $(NPM_CI)

up: install
	$(VENV_PY) scripts/dev.py up

down:
	@$(VENV_PY) scripts/dev.py down

test: install $(INSPECTOR)/node_modules/.package-lock.json
	bash scripts/install-browser.sh
	cd frontend && npm test
	rm -rf test-artifacts/coverage
	$(VENV_PY) -m coverage run -m pytest
	@$(VENV_PY) -m coverage combine -q && $(VENV_PY) -m coverage report > test-artifacts/coverage/report.txt
	@echo "Python coverage (test-artifacts/coverage/report.txt): $$(grep "^TOTAL" test-artifacts/coverage/report.txt)"

bench: install
	$(VENV_PY) scripts/bench.py

lint: install
	$(VENV_PY) -m ruff check .
	$(VENV_PY) -m ruff format --check .
	$(VENV_PY) -m mypy todo_core/src backend/src mcp_server/src agent/src harness/src
	cd frontend && npm run typecheck

# Two commands do everything on a fresh Debian/Ubuntu machine: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8501
# Settings (environment variables) are declared, with their defaults, in cardsort/settings.py (README.md, Settings).
DATABASE_URL ?= sqlite:///data/app.db
export DATABASE_URL

.PHONY: run test test-fast lint bench setup system clean

setup: $(STAMP) system

$(STAMP): requirements.txt
	@test -x $(PY) || "$$(scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

system:
	@scripts/ensure-chromium
	@scripts/ensure-nginx

# A single-user app on your own machine may audit localhost and private addresses; a shared deployment
# leaves A11Y_ALLOW_PRIVATE off (docs/deploy.md). Set A11Y_ALLOW_PRIVATE=0 to try the deployed behaviour.
run: export A11Y_ALLOW_PRIVATE ?= 1
run: setup
	@mkdir -p data
	$(PY) -m cardsort db upgrade
	$(PY) -m cardsort demo --if-empty
	@$(PY) -m cardsort researcher-password --ensure
	@echo "Open http://localhost:$(PORT)/ (participant link of the demo study: see the app's Studies page)"
	$(PY) -m streamlit run streamlit_app.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

test: setup
	$(PY) -m pytest

test-fast: setup  # everything but the browser tier, for the edit-test loop
	$(PY) -m pytest -m "not browser"

lint: setup  # ruff and mypy, configured in pyproject.toml
	$(PY) -m ruff check .
	$(PY) -m mypy

bench: setup
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache bench/.work

# Developer and CI entry points. Every target installs first; installing again is a no-op until
# pyproject.toml changes.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install browser promtool run lint test bench

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# The signing page is tested in Debian's headless Chromium; installed here when missing (as root,
# or with passwordless sudo), so that `make test` alone sets a fresh machine up.
browser:
	@test -x /usr/bin/chromium -a -x /usr/bin/chromedriver || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver >/dev/null \
		|| { $$SUDO apt-get update >/dev/null && \
		     $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver >/dev/null; }; }

# The metrics test checks the exposition with Debian's promtool; installed the same way.
promtool:
	@command -v promtool >/dev/null || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y prometheus >/dev/null \
		|| { $$SUDO apt-get update >/dev/null && \
		     $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y prometheus >/dev/null; }; }

run: install
	$(BIN)/countersign up

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint browser promtool
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install
	@set -e; for script in $(filter-out bench/__init__.py,$(wildcard bench/*.py)); do \
		echo "== $$script"; $(BIN)/python -m "bench.$$(basename $$script .py)"; \
	done

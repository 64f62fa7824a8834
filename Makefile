# Thin wrapper around the `briefs` command. `make` sets up .venv on first run.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
BRIEFS := $(BIN)/briefs

.PHONY: all build test check list clean distclean bench dist serve

all: build

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

build: $(STAMP)
	$(BRIEFS) build

check: $(STAMP)
	$(BRIEFS) check

list: $(STAMP)
	$(BRIEFS) list

test: $(STAMP)
	$(BIN)/python -m pytest -q

# Live preview on http://127.0.0.1:8000/ (PORT=... to change), rebuilding on every save.
PORT ?= 8000
serve: $(STAMP)
	$(BRIEFS) serve --port $(PORT)

# The PDFs, manifest.json and SHA256SUMS in build/dist/briefs-<date>.zip.
dist: build
	$(BRIEFS) dist

# Removes build outputs only; never anything outside build/.
clean:
	rm -rf -- build

distclean: clean
	rm -rf -- $(VENV)

# Portfolio benchmark (not part of `make test`): prints figures, writes bench/RESULTS.md.
bench: $(STAMP)
	$(BIN)/python bench/run.py

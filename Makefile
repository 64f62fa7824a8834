# Thin wrapper around the `briefs` command. `make` sets up .venv on first run.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
TEST_STAMP := $(VENV)/.installed-test-stamp
BRIEFS := $(BIN)/briefs
# pip's output goes to a log, shown only if the install fails.
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: all build test check list audit clean distclean bench dist serve readme-image

all: build

$(STAMP): pyproject.toml
	@echo "setting up $(VENV) (first run only; the log is in $(VENV)/install.log)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(PIP) -e . > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

# The test tools (pytest, pypdf, hypothesis, Playwright...) only when testing.
$(TEST_STAMP): $(STAMP)
	@echo "installing the test tools into $(VENV)"
	@$(PIP) -e '.[test]' > $(VENV)/install-test.log 2>&1 || { cat $(VENV)/install-test.log; exit 1; }
	@touch $(TEST_STAMP)

build: $(STAMP)
	@$(BRIEFS) build

check: $(STAMP)
	@$(BRIEFS) check

list: $(STAMP)
	@$(BRIEFS) list

# Every fact with its passages, for a reviewer to sign: build/audit/<relationship>.html
audit: $(STAMP)
	$(BRIEFS) audit

test: $(TEST_STAMP)
	$(BIN)/python -m pytest -q

# Portfolio benchmark (not part of `make test`): prints figures, writes bench/RESULTS.md.
bench: $(STAMP)
	$(BIN)/python bench/run.py

# Live preview on http://127.0.0.1:8000/ (PORT=... to change), rebuilding on every save.
PORT ?= 8000
serve: $(STAMP)
	@$(BRIEFS) serve --port $(PORT)

# The PDFs, manifest.json and SHA256SUMS in build/dist/briefs-<date>.zip.
dist: build
	@$(BRIEFS) dist

# The picture of the country brief's first page in README.md (needs pdftoppm, from poppler-utils).
readme-image: build
	pdftoppm -png -r 60 -f 1 -l 1 -singlefile build/pakistan-japan/country-brief.pdf docs/country-brief-page1

# Removes the output folder (briefs.yaml's `out`, else build/) and nothing else.
clean:
	@if [ -x $(BRIEFS) ]; then $(BRIEFS) clean; else rm -rf -- build; fi

distclean: clean
	rm -rf -- $(VENV)

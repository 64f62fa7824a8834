# Thin wrapper around the `briefs` command. `make` sets up .venv on first run.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
TEST_STAMP := $(VENV)/.installed-test-stamp
BRIEFS := $(BIN)/briefs
# pip's output goes to a log, shown only if the install fails.
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check
# Every machine installs exactly the versions in the committed locks (with their hashes):
# nothing is resolved at install time. `make lock` refreshes them on purpose.
LOCK      := requirements.lock
TEST_LOCK := requirements-test.lock
INSTALL_LOCK := $(PIP) --require-hashes --no-deps -r
# The project itself, built with the locked setuptools and nothing fetched.
INSTALL_SELF := $(PIP) --no-deps --no-build-isolation -e .
UV_VERSION := 0.13.9
COMPILE := $(BIN)/uv pip compile --quiet --universal --python-version 3.10 --generate-hashes \
	--custom-compile-command "make lock"
# `make ONLY=india-japan` builds (or checks) one relationship; ONLY="a b" several.
ONLY_ARGS := $(foreach rel,$(ONLY),--only $(rel))

.PHONY: all build test test-all check list audit clean distclean bench dist serve readme-image lock

all: build

# Two makes at once on a fresh clone take turns setting up .venv (a lock beside it) instead of
# both creating and installing into it; the second finds it done. The lock ends with its holder.
SETUP_LOCK := .venv-setup.lock
LOCKED := $(PYTHON) -c 'import fcntl, subprocess, sys; f = open(sys.argv[1], "a"); fcntl.flock(f, fcntl.LOCK_EX); sys.exit(subprocess.call(sys.argv[2:]))' $(SETUP_LOCK)
done_since = [ -f $(1) ] && [ $(1) -nt pyproject.toml ] && [ $(1) -nt $(LOCK) ]

$(STAMP): pyproject.toml $(LOCK)
	@$(LOCKED) sh -c 'if $(call done_since,$(STAMP)); then exit 0; fi; \
		echo "setting up $(VENV) (first run only; the log is in $(VENV)/install.log)"; \
		test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || exit 1; \
		{ $(INSTALL_LOCK) $(LOCK) && $(INSTALL_SELF); } > $(VENV)/install.log 2>&1 \
			|| { cat $(VENV)/install.log; exit 1; }; \
		touch $(STAMP)'

# The test tools (pytest, pypdf, hypothesis, Playwright...) only when testing.
$(TEST_STAMP): $(STAMP) $(TEST_LOCK)
	@$(LOCKED) sh -c 'if $(call done_since,$(TEST_STAMP)) && [ $(TEST_STAMP) -nt $(TEST_LOCK) ] && [ $(TEST_STAMP) -nt $(STAMP) ]; then exit 0; fi; \
		echo "installing the test tools into $(VENV)"; \
		$(INSTALL_LOCK) $(TEST_LOCK) > $(VENV)/install-test.log 2>&1 \
			|| { cat $(VENV)/install-test.log; exit 1; }; \
		touch $(TEST_STAMP)'

# Re-resolve both locks from pyproject.toml's ranges (newest versions allowed), on purpose:
# review the diff, run `make test`, commit. The test lock is constrained to the run lock.
lock: $(STAMP)
	@$(PIP) uv==$(UV_VERSION)
	printf 'setuptools>=64\n' | $(COMPILE) pyproject.toml - -o $(LOCK)
	printf 'setuptools>=64\n' | $(COMPILE) pyproject.toml - --extra test -c $(LOCK) -o $(TEST_LOCK)
	@rm -f $(STAMP) $(TEST_STAMP)

build: $(STAMP)
	@$(BRIEFS) build $(ONLY_ARGS)

check: $(STAMP)
	@$(BRIEFS) check $(ONLY_ARGS)

list: $(STAMP)
	@$(BRIEFS) list

# Every fact with its passages, for a reviewer to sign: build/audit/<relationship>.html
audit: $(STAMP)
	$(BRIEFS) audit

# The everyday suite, in parallel (pytest-xdist): about 3.5 minutes on 2 cores.
PYTEST := $(BIN)/python -m pytest -q -n auto
test: $(TEST_STAMP)
	$(PYTEST) -m "not exhaustive"

# The everyday suite, then the exhaustive corpora (CI runs both): about 5 minutes in all.
test-all: test
	$(PYTEST) -m exhaustive

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
	rm -rf -- $(VENV) $(SETUP_LOCK)

# One entry point per job. Every target sets up what it needs (a venv in .venv).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup run test check lint unit vm-test bench clean fuzz fuzz-short fuzz-asan soak seeds docs docs-check

# (the C source too: pip install -e builds the compiled walk in place)
$(STAMP): pyproject.toml setup.py src/genetlink/codec/_cwalk.c
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# The main job: list the running kernel's Generic Netlink families.
run: $(STAMP)
	$(VENV)/bin/genetlink families

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests examples bench
	$(VENV)/bin/mypy

# The whole test suite: lint, type check, unit and real-kernel tests (root, in namespaces),
# the docs site in headless Chromium, then the genltest module's tests inside a qemu VM.
test: check docs-check vm-test

# Everything but the VM and the browser: lint, type check, unit and real-kernel tests, a short
# fuzz run, the docs site built with warnings as errors.
# docs is a prerequisite, not a sub-make: `make test` then builds the site once for check and
# docs-check (a sub-make's build is unknown to the make that runs docs-check next).
check: lint docs
	$(VENV)/bin/pytest
	$(MAKE) fuzz-short

unit: $(STAMP)
	$(VENV)/bin/pytest tests/unit

clean:
	rm -rf $(VENV) build dist src/*.egg-info src/genetlink/codec/_cwalk.*.so

# Build the genltest module, boot Debian's kernel in qemu, run tests/vm inside the guest.
vm-test: $(STAMP)
	bash vm/run-tests.sh

# Benchmarks against pyroute2 and a C libmnl program (not part of `make test`).
bench: $(STAMP)
	bash bench/run.sh

# Coverage-guided fuzzing of every decode entry point (atheris), seeded with real datagrams
# (tests/fuzz/seeds); findings are saved and minimised under build/fuzz/findings.
FUZZ_SECONDS ?= 600
FUZZ_JOBS    ?= 2
FUZZ_ENGINE  ?= mixed
fuzz: $(STAMP)
	$(PY) tests/fuzz/run.py --seconds $(FUZZ_SECONDS) --jobs $(FUZZ_JOBS) --engine $(FUZZ_ENGINE)
	$(MAKE) fuzz-asan

# The compiled walk under AddressSanitizer + UBSan (tests/fuzz/asan.sh), with our mutator:
# gcc's libasan takes over the coverage hooks of atheris's libFuzzer, so atheris would run
# blind there (the run above, coverage-guided, compares compiled and pure decodes instead).
FUZZ_ASAN_SECONDS ?= 300
fuzz-asan: $(STAMP)
	bash tests/fuzz/asan.sh $(PY) tests/fuzz/run.py --seconds $(FUZZ_ASAN_SECONDS) \
	    --jobs $(FUZZ_JOBS) --engine mutate --workdir build/fuzz-asan

# The short run that `make check` (so `make test`) includes: from the seeds alone, so it
# takes the same time however big the long runs have grown build/fuzz/corpus.
fuzz-short: $(STAMP)
	$(PY) tests/fuzz/run.py --seconds 30 --jobs $(FUZZ_JOBS) --engine $(FUZZ_ENGINE) --quiet \
	    --workdir build/fuzz-short --fresh
	$(MAKE) fuzz-asan FUZZ_ASAN_SECONDS=20

# Recapture the seed corpus from the running kernel (root: it makes a network namespace).
seeds: $(STAMP)
	$(PY) tests/fuzz/capture.py

# Request, dump, thread, asyncio and notification soaks with figures (root; not in `make test`).
SOAK_SECONDS ?= 300
soak: $(STAMP)
	$(PY) tests/soak/soak.py --seconds $(SOAK_SECONDS)

# The documentation site (mkdocs.yml, docs/) into build/site; any warning fails the build.
DOCS_STAMP := $(VENV)/.docs-installed
$(DOCS_STAMP): $(STAMP)
	$(PY) -m pip install -q -e '.[test,docs]'
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet

# The built site in headless Chromium (Debian's chromium): pages load, links resolve, search.
docs-check: docs
	$(PY) tests/docs/browser.py build/site

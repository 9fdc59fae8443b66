# One entry point per job. Every target sets up what it needs (a venv in .venv).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup run test check lint unit vm-test bench clean

$(STAMP): pyproject.toml
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
# then the genltest module's tests inside a qemu VM.
test: check vm-test

# Everything but the VM: lint, type check, unit and real-kernel tests.
check: lint
	$(VENV)/bin/pytest

unit: $(STAMP)
	$(VENV)/bin/pytest tests/unit

clean:
	rm -rf $(VENV) build dist src/*.egg-info

# Build the genltest module, boot Debian's kernel in qemu, run tests/vm inside the guest.
vm-test: $(STAMP)
	bash vm/run-tests.sh

# Benchmarks against pyroute2 and a C libmnl program (not part of `make test`).
bench: $(STAMP)
	bash bench/run.sh

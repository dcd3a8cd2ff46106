# Two set-up commands: `make demo` and `make test`. Both build their own virtual environment.
SHELL := /bin/bash
# The newest ansible-core line needs Python >= 3.12 on the controller. 3.12 first: the EE's Python.
ifndef PYTHON
PYTHON := $(shell bash scripts/find_python.sh 3.12 3.13)
endif
PY_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
VENV ?= $(abspath .venv)
BIN := $(VENV)/bin
SHARED ?= $(abspath ../shared)
COLLECTIONS := $(abspath build/collections)
TREE := build/ansible-test/ansible_collections/msp/autotask
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export AUTOTASK_SHARED_DIR := $(SHARED)
export PYTHONPATH := $(abspath sandbox):$(COLLECTIONS)
export PATH := $(abspath $(BIN)):$(PATH)
# The sandbox listens on loopback, outside Autotask's API domain: the collection sends
# credentials there only when the host is named (trusted_hosts), and warns that it is.
export AUTOTASK_TRUSTED_HOSTS := 127.0.0.1

.PHONY: help versions venv link collection-link tree chromium molecule docs-lint test-faults bench compat ansible-test-ready lint sanity units sandbox-tests functional changelog-lint test demo clean

help:
	@echo "make demo   - run the demo against the Autotask sandbox"
	@echo "make test   - lint, ansible-test sanity and units, sandbox, functional and molecule tests on the newest"
	@echo "              ansible-core, then make compat"
	@echo "make compat - the unit and playbook tests on ansible-core 2.16, the units and the demo on 2.19"
	@echo "make test-faults - the fault suite on 50 tenants"
	@echo "make bench  - msp.autotask beside an ansible.builtin.uri playbook (BENCH_SIZES=\"10 100 500\")"

# A venv of another Python (an older checkout's 3.11) is started afresh, not mixed.
$(BIN)/.stamp-python$(PY_VERSION): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(if $(wildcard $(BIN)/python$(PY_VERSION)),,--clear) $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(BIN)/.stamp-python$(PY_VERSION)

OLDER_LINE_WARNING := *** NOT the newest ansible-core: it needs Python >= 3.12 and this venv has $(PY_VERSION) \
	(install one, e.g. pyenv install 3.12, or set PYTHON=/path/to/python3.12) ***
# Which ansible-core and Python make test runs, and a loud note when it is not the newest line.
versions: venv
	@$(BIN)/ansible --version | grep -E '^ansible |python version'
	@$(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' || echo "$(OLDER_LINE_WARNING)"

# build/collections/ansible_collections/msp/autotask -> this checkout (for pytest and playbooks)
link: venv collection-link

collection-link:
	@mkdir -p $(COLLECTIONS)/ansible_collections/msp
	@ln -sfn $(CURDIR) $(COLLECTIONS)/ansible_collections/msp/autotask

# a real copy for ansible-test, which needs a resolved ansible_collections/msp/autotask path
tree: link
	@$(BIN)/python scripts/test_tree.py $(TREE) --shared $(SHARED) >/dev/null

lint: link
	$(BIN)/ruff check plugins sandbox tests scripts bench
	$(BIN)/ruff format --check plugins sandbox tests scripts bench
	ANSIBLE_VAULT_PASSWORD_FILE=$(abspath inventories/demo-vault-password.txt) \
		$(BIN)/ansible-lint --profile production roles playbooks extensions inventories

# ansible-test --venv fetches get-pip.py from its own host; provide the PyPI-only equivalent.
ansible-test-ready: venv
	@$(BIN)/python scripts/ansible_test_pip_bootstrap.py --install >/dev/null

sanity: tree ansible-test-ready
	cd $(TREE) && ansible-test sanity --venv --python $$($(BIN)/python -c 'import sys;print("%d.%d"%sys.version_info[:2])') --color no

units: tree ansible-test-ready
	cd $(TREE) && ansible-test units --venv --python $$($(BIN)/python -c 'import sys;print("%d.%d"%sys.version_info[:2])') --color no

sandbox-tests: link
	$(BIN)/pytest -q sandbox/tests

# The HTML report test drives Debian's Chromium through Playwright (CI runs as root on Debian).
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends chromium >/dev/null; } || echo "chromium not installed: the HTML report test will skip"

functional: link chromium
	$(BIN)/pytest -q tests/functional

# The fault suite at full size (make test runs it on 12 tenants): 50 tenants, ~10 % faults.
test-faults: link
	MSP_AUTOTASK_FAULT_TENANTS=50 $(BIN)/pytest -q -s tests/functional/test_reliability.py

# A benchmark, not a test: BENCH_SIZES="10 100 500" (default) tenants, 50 ms latency; writes bench/results/latest.*
bench: link
	$(BIN)/python bench/run.py

# One scenario per vendor role (extensions/molecule/): sandbox up, converge, idempotence, verify, sandbox down.
molecule: link
	cd extensions && $(BIN)/molecule --base-config molecule/config.yml test --all

# requires_ansible says >=2.16: each older line gets its own venv on a Python it supports (2.16:
# 3.10-3.12, 2.19: 3.11-3.13). 2.16, the oldest, runs the unit and playbook tests; 2.19 the units and
# the demo. The packaging tests (artifact, Galaxy import, EE, ansible-runner) need the main venv's tools.
COMPAT_PYTHON ?= $$(bash scripts/find_python.sh 3.11 3.12)
COMPAT_TESTS_2.16 := tests/unit tests/functional --ignore=tests/functional/test_packaging.py
COMPAT_TESTS_2.19 := tests/unit tests/functional/test_demo_and_report.py

.venv-compat/%/bin/.stamp: requirements.txt
	$(COMPAT_PYTHON) -m venv --clear .venv-compat/$*
	.venv-compat/$*/bin/python -m pip install --quiet 'ansible-core==$*.*' -r requirements.txt pyyaml pytest \
		responses jsonschema playwright markdown-it-py
	touch $@

# A stamp made through a pattern is an intermediate file to make, which it would delete after the run.
.PRECIOUS: .venv-compat/%/bin/.stamp

compat-%: link chromium .venv-compat/%/bin/.stamp
	@.venv-compat/$*/bin/ansible --version | grep -E '^ansible |python version'
	PATH=$(abspath .venv-compat/$*/bin):$$PATH .venv-compat/$*/bin/pytest -q -p no:cacheprovider $(COMPAT_TESTS_$*)

compat: compat-2.16 compat-2.19

changelog-lint: venv
	$(BIN)/antsibull-changelog lint

# The vendor pages are generated from the roles; the docsite and every plugin's docs must lint.
docs-lint: link
	$(BIN)/python scripts/vendor_docs.py --check
	cd $(COLLECTIONS)/ansible_collections/msp/autotask && $(BIN)/antsibull-docs lint-collection-docs --plugin-docs .

test: versions lint changelog-lint docs-lint sandbox-tests functional molecule units sanity compat

# The demo needs only what the collection runs on (requirements.txt: ansible-core, requests,
# jmespath) and the sandbox's PyYAML, in a venv of its own; make test's toolchain stays in .venv.
DEMO_VENV ?= $(abspath .venv-demo)
$(DEMO_VENV)/bin/.stamp-python$(PY_VERSION): requirements.txt
	$(PYTHON) -m venv --clear $(DEMO_VENV)
	$(DEMO_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(DEMO_VENV)/bin/python -m pip install --quiet -r requirements.txt pyyaml
	touch $@

demo: $(DEMO_VENV)/bin/.stamp-python$(PY_VERSION) collection-link
	PATH=$(DEMO_VENV)/bin:$$PATH $(DEMO_VENV)/bin/python scripts/demo.py --seed sandbox/seeds/demo.yml

clean:
	rm -rf build $(VENV) .venv-compat $(DEMO_VENV) tests/output

# Two set-up commands: `make demo` and `make test`. Both build their own virtual environment.
SHELL := /bin/bash
PYTHON ?= python3
VENV := $(abspath .venv)
BIN := $(VENV)/bin
SHARED ?= $(abspath ../shared)
COLLECTIONS := $(abspath build/collections)
TREE := build/ansible-test/ansible_collections/msp/autotask
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export AUTOTASK_SHARED_DIR := $(SHARED)
export PYTHONPATH := $(abspath sandbox):$(COLLECTIONS)
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: help venv link tree chromium molecule docs-lint test-faults bench compat ansible-test-ready lint sanity units sandbox-tests functional changelog-lint test demo clean

help:
	@echo "make demo   - run the demo against the Autotask sandbox"
	@echo "make test   - lint, ansible-test sanity and units, sandbox, functional and molecule tests"
	@echo "make test-faults - the fault suite on 50 tenants"
	@echo "make bench  - msp.autotask beside an ansible.builtin.uri playbook (BENCH_SIZES=\"10 100 500\")"

$(BIN)/.stamp: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(BIN)/.stamp

# build/collections/ansible_collections/msp/autotask -> this checkout (for pytest and playbooks)
link: venv
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

# requires_ansible says >=2.16: run the unit and playbook tests on the oldest ansible-core too.
COMPAT := $(abspath .venv-compat)
$(COMPAT)/bin/.stamp: requirements-dev.txt
	$(PYTHON) -m venv $(COMPAT)
	$(COMPAT)/bin/python -m pip install --quiet 'ansible-core>=2.16,<2.17' requests jmespath pyyaml pytest responses \
		jsonschema playwright
	touch $@

compat: link chromium $(COMPAT)/bin/.stamp
	# The packaging tests (artifact, Galaxy import, EE, ansible-runner) use the main venv's tools.
	PATH=$(COMPAT)/bin:$$PATH $(COMPAT)/bin/pytest -q -p no:cacheprovider tests/unit tests/functional \
		--ignore=tests/functional/test_packaging.py

changelog-lint: venv
	$(BIN)/antsibull-changelog lint

# The vendor pages are generated from the roles; the docsite and every plugin's docs must lint.
docs-lint: link
	$(BIN)/python scripts/vendor_docs.py --check
	cd $(COLLECTIONS)/ansible_collections/msp/autotask && $(BIN)/antsibull-docs lint-collection-docs --plugin-docs .

test: lint changelog-lint docs-lint sandbox-tests functional molecule units sanity compat

demo: link
	$(BIN)/python scripts/demo.py --seed sandbox/seeds/demo.yml

clean:
	rm -rf build $(VENV) $(COMPAT) tests/output

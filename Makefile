# Two set-up commands: `make demo` and `make test`. Both build their own virtual environment.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= $(abspath ../shared)
COLLECTIONS := $(abspath build/collections)
TREE := build/ansible-test/ansible_collections/msp/autotask
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export AUTOTASK_SHARED_DIR := $(SHARED)
export PYTHONPATH := $(abspath sandbox):$(COLLECTIONS)
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: help venv tree lint sanity units sandbox-tests functional changelog-lint test demo clean

help:
	@echo "make demo   - run the demo against the Autotask sandbox"
	@echo "make test   - lint, ansible-test sanity and units, sandbox and functional tests"

$(BIN)/.stamp: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(BIN)/.stamp

# build/collections/ansible_collections/msp/autotask -> this checkout (for pytest and playbooks)
tree: venv
	@mkdir -p $(COLLECTIONS)/ansible_collections/msp
	@ln -sfn $(CURDIR) $(COLLECTIONS)/ansible_collections/msp/autotask
	@$(BIN)/python scripts/test_tree.py $(TREE) --shared $(SHARED)

lint: venv
	$(BIN)/ruff check plugins sandbox tests scripts
	$(BIN)/ruff format --check plugins sandbox tests scripts

sanity: tree
	cd $(TREE) && ansible-test sanity --venv --python $$($(BIN)/python -c 'import sys;print("%d.%d"%sys.version_info[:2])') --color no

units: tree
	cd $(TREE) && ansible-test units --venv --python $$($(BIN)/python -c 'import sys;print("%d.%d"%sys.version_info[:2])') --color no

sandbox-tests: tree
	$(BIN)/pytest -q sandbox/tests

functional: tree
	$(BIN)/pytest -q tests/functional

changelog-lint: venv
	$(BIN)/antsibull-changelog lint

test: lint changelog-lint sandbox-tests functional units sanity

demo: tree
	$(BIN)/python scripts/demo.py --seed sandbox/seeds/demo.yml

clean:
	rm -rf build $(VENV) tests/output

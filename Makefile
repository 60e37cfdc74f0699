# The project's doors. `make help` lists them; each target sets up what it needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The install is redone only when pyproject.toml changes (the stamp carries its hash).
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml 2>/dev/null | cut -c1-16)
# The kernelspec and the offline nbconvert template are installed again when either changes.
TEMPLATE_FILES := $(wildcard src/analysis/templates/offline/*)
KERNEL_STAMP := $(VENV)/.kernel-$(shell cat src/analysis/kernel.py $(TEMPLATE_FILES) 2>/dev/null | sha256sum | cut -c1-16)
# Options for `make lab`, e.g. LAB_ARGS="--port 8899 --no-browser".
LAB_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help setup browser reports test test-fast lint format lab validate dictionary generate clean

## help        list the targets
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed -e 's/^## /  make /'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	rm -f $(VENV)/.installed-*
	touch $@

# The kernelspec and the "bien-cuong-offline" template are installed again whenever they change.
$(KERNEL_STAMP): src/analysis/kernel.py $(TEMPLATE_FILES) $(STAMP)
	$(BIN)/python -m analysis.kernel
	rm -f $(VENV)/.kernel-*
	touch $@

## setup       create .venv, install the project, register its Jupyter kernel and nbconvert template
# The project is installed editable, so pip compiles none of its modules; Python would write
# their bytecode at first import, unless PYTHONDONTWRITEBYTECODE is set (as on some CI and
# container images), when every report's kernel compiles them again (about 0.13 s each).
# compileall writes what is missing or out of date and nothing else.
setup: $(STAMP) $(KERNEL_STAMP)
	@$(BIN)/python -m compileall -q src/analysis

## browser     install Debian's chromium for the browser tests and PDF printing (needs root)
browser:
	@{ command -v chromium && command -v pdftotext; } >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing Debian's chromium and poppler-utils (browser tests, --pdf)"; \
			apt-get update -qq >/dev/null && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; \
		else \
			echo "chromium is missing: install Debian's 'chromium' package (browser tests skip)"; \
		fi; }

## reports     validate the bundled package and render every report to reports/
reports: setup
	$(BIN)/python -m analysis validate
	$(BIN)/python -m analysis report --all --lang all

## test        run the whole test suite, lint included
test: setup browser lint
	$(BIN)/python -m pytest tests notebooks src/analysis --doctest-modules --nbval-lax -p no:cacheprovider \
		-n auto --dist loadfile

## test-fast   the quick tests only: no slow (renders, notebooks, processes) or browser test, no lint
test-fast: setup
	$(BIN)/python -m pytest tests src/analysis --doctest-modules -p no:cacheprovider \
		-n auto --dist loadfile -m "not slow and not browser"

## lint        ruff lint and format check (code and notebooks)
lint: setup
	$(BIN)/ruff check src tests notebooks conftest.py
	$(BIN)/ruff format --check src tests notebooks conftest.py

## format      apply ruff's formatting
format: setup
	$(BIN)/ruff format src tests notebooks conftest.py
	$(BIN)/ruff check --fix src tests notebooks conftest.py

## validate    validate the data package (frictionless and the cross-table rules)
validate: setup
	$(BIN)/python -m analysis validate

## dictionary  regenerate docs/data_dictionary.md (from datapackage.json) and data/indicators.csv (from the indicator declarations)
dictionary: setup
	$(BIN)/python -m analysis dictionary

## generate    regenerate the illustrative rows of the data package (deterministic)
generate: setup
	$(BIN)/python -m analysis generate

## lab         open JupyterLab on notebooks/ (options: LAB_ARGS="--port 8899 --no-browser"; root adds --allow-root)
lab: setup
	exec $(BIN)/jupyter lab --notebook-dir=notebooks \
		$$(if [ "$$(id -u)" = 0 ]; then echo --allow-root; fi) $(LAB_ARGS)

## clean       remove rendered reports and caches (keeps .venv)
clean:
	find reports -mindepth 1 ! -name README.md -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache .hypothesis

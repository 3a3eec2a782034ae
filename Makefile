# kanta: `make build` then `make test`. Everything runs inside .venv, created here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | md5sum | cut -c1-8)

export DBT_PROFILES_DIR := $(CURDIR)/profiles

.PHONY: build test venv lint dbt-build pytest demo docs clean

## build: create the venv, install pinned dependencies, build the demo shop (dbt build)
build: venv dbt-build

## test: sqlfluff lint, dbt build with every data test on the demo shop, pytest
test: venv lint dbt-build pytest

venv: $(STAMP)

$(STAMP): requirements.txt
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	@grep -q DBT_PROFILES_DIR $(BIN)/activate || \
	  echo 'export DBT_PROFILES_DIR="$(CURDIR)/profiles"  # kanta: dbt finds profiles/profiles.yml' >> $(BIN)/activate
	@rm -f $(VENV)/.installed-* && touch $@

lint: venv
	$(BIN)/sqlfluff lint models analyses

dbt-build: venv
	$(BIN)/dbt build

pytest: venv
	$(BIN)/python -m pytest tests/python

## demo: regenerate the shipped demo shop in data/demo
demo: venv
	$(BIN)/python -m kanta generate --customers 3000 --orders 15000 --seed 42 --format csv --out data/demo

## docs: the dbt documentation site as one offline HTML file (target/static_index.html)
docs: venv
	$(BIN)/dbt docs generate --static

clean:
	rm -rf target logs dbt_packages kanta.duckdb kanta.duckdb.wal published .pytest_cache

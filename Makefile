# kanta: `make build` then `make test`. Everything runs inside .venv, created here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | md5sum | cut -c1-8)

export DBT_PROFILES_DIR := $(CURDIR)/profiles

.PHONY: build test test-spark java venv lint dbt-build pytest browser demo publish report export bench docs clean

## build: create the venv, install pinned dependencies, build the demo shop (dbt build), then
## publish the marts (published/) and write the report (published/report.html)
build: venv
	$(BIN)/python -m kanta build

## test: sqlfluff lint, dbt build with every data test on the demo shop, pytest
test: venv browser lint dbt-build pytest

venv: $(STAMP)

$(STAMP): requirements.txt
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	@# The project's profiles folder sits next to .venv, wherever the project is moved or copied.
	@grep -q DBT_PROFILES_DIR $(BIN)/activate || \
	  echo 'export DBT_PROFILES_DIR="$${VIRTUAL_ENV%/*}/profiles"  # kanta: dbt finds profiles/profiles.yml' >> $(BIN)/activate
	@rm -f $(VENV)/.installed-* && touch $@

lint: venv
	$(BIN)/sqlfluff lint models analyses

dbt-build: venv
	$(BIN)/dbt build

pytest: venv
	$(BIN)/python -m pytest tests/python

# The report test opens the report in headless Chromium, from Debian's packages.
browser:
	@command -v chromium >/dev/null 2>&1 || \
	  { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	    (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) ; } || \
	  echo "chromium could not be installed: the browser tests will be skipped"

publish: venv
	$(BIN)/python -m kanta publish

report: venv
	$(BIN)/python -m kanta report

## export: audience files for an email tool (published/audiences/)
export: venv
	$(BIN)/python -m kanta export --out published/audiences

## demo: regenerate the shipped demo shop in data/demo
demo: venv
	$(BIN)/python -m kanta generate --customers 3000 --orders 15000 --seed 42 --format csv --out data/demo

## bench: time dbt build and the customer marts at 100k, 1M and 10M orders (bench/results.md)
bench: venv
	$(BIN)/python -m kanta bench $(BENCH_ARGS)

## docs: the dbt documentation site as one offline HTML file (target/static_index.html)
docs: venv
	$(BIN)/dbt docs generate --static --no-send-anonymous-usage-stats

clean:
	rm -rf target logs dbt_packages kanta.duckdb kanta.duckdb.wal published .pytest_cache .spark

## test-spark: the demo shop (and an awkward CSV shop) built on DuckDB and on Spark (dbt-spark,
## session mode, Java 17), every mart compared row for row (kanta/spark_compare.py)
SPARK_STAMP := $(VENV)/.spark-installed-$(shell cat requirements.txt requirements-spark.txt | md5sum | cut -c1-8)

test-spark: venv $(SPARK_STAMP) java
	KANTA_TEST_SPARK=1 $(BIN)/python -m pytest tests/python/test_spark.py -v

$(SPARK_STAMP): requirements.txt requirements-spark.txt | venv
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-spark.txt
	@rm -f $(VENV)/.spark-installed-* && touch $@

# Spark runs on Java 17 (the machine's, else Debian's package).
java:
	@command -v java >/dev/null 2>&1 || \
	  { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	    (apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless >/dev/null) ; } || \
	  { echo "kanta: make test-spark needs Java 17 (java on PATH)"; exit 1; }

# Kintsugi — the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: run test protos lint bench train chaos clean install

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP)

## Run the whole system: embedded PostgreSQL (unless KINTSUGI_<SERVICE>_DATABASE_URL are set), five services, gateway.
run: $(STAMP)
	$(BIN)/kintsugi up

## Run the test suite (uses KINTSUGI_TEST_PG when set, else an embedded PostgreSQL).
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup

protos: $(STAMP)
	$(BIN)/python -m libs.protogen

lint: $(STAMP)
	$(BIN)/ruff check libs services gateway tests bench
	$(BIN)/mypy libs gateway services

## Retrain the sentiment model from ../shared/data/reviews (fixed seed; writes the artifact and its card).
train: $(STAMP)
	$(BIN)/python -m services.triage.training.train_sentiment

## Fault injection: kill -9 services, stop PostgreSQL, slow links, bad-input barrage (real processes).
chaos: $(STAMP)
	KINTSUGI_CHAOS=1 KINTSUGI_CHAOS_ITEMS=5000 $(BIN)/python -m pytest -q tests/chaos -p no:cacheprovider

## Benchmarks on a fresh system each; results in bench/results/ (latest.json merges them).
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet snownlp==0.12.3
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .kintsugi .pytest_cache

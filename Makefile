# Kintsugi — the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: run test test-fast protos lint bench train chaos fuzz clean

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

train: $(STAMP)
	$(BIN)/python -m services.triage.training.train_sentiment

bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .kintsugi .pytest_cache

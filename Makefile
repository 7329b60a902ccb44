# Two commands on a fresh machine: `make run` builds the default atlas, `make test` tests it.
# Each bootstraps .venv on first use (and again when pyproject.toml changes).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out

.PHONY: run test lint check bench clean help

help:
	@echo "make run    build every map of the default workspace into $(OUT)/"
	@echo "make test   lint and run the test suite"
	@echo "make bench  run the benchmarks (slow; not part of make test)"

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# validate_gpkg.py, without the GDAL bindings gdal-utils declares (they do not build here)
	$(BIN)/python -m pip install --quiet --no-deps 'gdal-utils>=3.12'
	touch $@

run: $(BIN)/.installed
	$(BIN)/geoatlas check
	$(BIN)/geoatlas build --out $(OUT)

check: $(BIN)/.installed
	$(BIN)/geoatlas check

lint: $(BIN)/.installed
	$(BIN)/ruff check

test: lint
	$(BIN)/python -m pytest -q

bench: $(BIN)/.installed
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(OUT) .pytest_cache .ruff_cache

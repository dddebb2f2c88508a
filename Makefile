# The README's two commands: `make run` and `make test`. Everything they need is installed here.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# uv installs the locked packages: a fresh install takes about 20 s where pip takes about 140 s. It trusts the
# system's certificates (--native-tls), as pip does here.
UV := uv==0.13.9
SDK := $(wildcard sdk/pyproject.toml)
WEB := $(wildcard web/package.json)
SIZE ?= S
# Test processes, each with its own local Neo4j (community has one database); two keep a 2-core machine busy.
# One given Neo4j (STEMMA_NEO4J_URI) serves one process.
TEST_WORKERS ?= $(if $(STEMMA_NEO4J_URI),0,2)

CLIENTS := tests/clients/node_modules/.package-lock.json
# The OpenLineage spec's example events, as openlineage-python's source release ships them (tests/*.json), for
# the ingest tests: fetched from PyPI once and checked against the digest pinned here.
OL_RELEASE := openlineage_python-1.39.0.tar.gz
OL_SHA256 := 1a32c349f60c3588d35bed03e7afddd907a434f31771d7b047b194e8e5edab09
OL_EXAMPLES := tests/.openlineage-examples

# The real `wandb` client (PyPI, MIT), in a virtualenv of its own, for the tests of Stemma's W&B layer.
WANDB_CLIENT := tests/.wandb-client

.PHONY: wandb-client install run test test-neo4j lint typecheck web browser clients openlineage-examples bench demo clean-state

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock $(SDK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet $(UV)
	$(BIN)/uv pip install --quiet --native-tls --python $(BIN)/python -c requirements.lock -e ".[dev]" $(if $(SDK),-e "./sdk[s3]")
	touch $@

web: $(if $(WEB),web/dist/index.html)

web/dist/index.html: $(WEB) $(wildcard web/package-lock.json web/*.html web/src/* web/src/*/* web/*.ts web/tsconfig.json) schema/schema.graphql
	cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build

clients: $(CLIENTS)

$(CLIENTS): tests/clients/package.json tests/clients/package-lock.json
	cd tests/clients && npm ci --no-audit --no-fund --loglevel=error

openlineage-examples: $(OL_EXAMPLES)/.done

$(OL_EXAMPLES)/.done: | $(STAMP)
	rm -rf $(OL_EXAMPLES) && mkdir -p $(OL_EXAMPLES)
	$(BIN)/pip download --quiet --no-deps --no-binary :all: --dest $(OL_EXAMPLES) openlineage-python==1.39.0
	echo "$(OL_SHA256)  $(OL_EXAMPLES)/$(OL_RELEASE)" | sha256sum --check --quiet
	tar xzf $(OL_EXAMPLES)/$(OL_RELEASE) -C $(OL_EXAMPLES) --strip-components 2 --wildcards '*/tests/*.json'
	touch $@

wandb-client: $(WANDB_CLIENT)/.installed

$(WANDB_CLIENT)/.installed: tests/wandb-client.lock | $(STAMP)
	rm -rf $(WANDB_CLIENT) && $(PYTHON) -m venv $(WANDB_CLIENT)
	$(BIN)/uv pip install --quiet --native-tls --python $(WANDB_CLIENT)/bin/python --require-hashes -r tests/wandb-client.lock
	touch $@

browser:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

run: install web
	$(BIN)/stemma serve

lint: install web
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(if $(SDK),$(BIN)/mypy --strict sdk/stemma)
	$(if $(WEB),cd web && npm run --silent check-format)
	$(if $(WEB),web/node_modules/.bin/prettier --check tests/clients/*.mjs tests/clients/package.json)

test: test-neo4j lint clients openlineage-examples wandb-client $(if $(WEB),browser)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --durations=25

# The tests' Neo4j instances start in the background while the steps before pytest run (the first start also
# fetches Neo4j's jars); each test session finds its own running, or waits for its start, and stops it at its end.
test-neo4j: install
	$(if $(STEMMA_NEO4J_URI),,mkdir -p .stemma && ($(BIN)/python -m tests.start_neo4j $(TEST_WORKERS) > .stemma/test-neo4j.log 2>&1 &))

bench: install
	$(BIN)/python -m bench.run --size $(SIZE)

demo: install
	$(BIN)/stemma demo

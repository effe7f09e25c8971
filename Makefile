# gongkai — the two quick-start commands are `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install browser demo test lint format clean bench

install: $(STAMP)

# Rebuild the environment only when the project's dependencies change.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: install
	$(BIN)/gongkai demo

# The report's browser test drives Debian's Chromium (with CJK fonts) through Playwright;
# installed once, when missing (needs root, as in CI).
browser:
	@(command -v chromium && fc-list :lang=zh | grep -q .) >/dev/null 2>&1 || \
		(apt-get update && apt-get install -y chromium fonts-noto-cjk)

test: install browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Every benchmark, one after another (27 min on 2 cores here, 90 on a slower machine of this
# kind; the last, a 200,000-page crawl, takes 10-40): each writes its own section of
# bench/RESULTS.md.
bench: install
	$(BIN)/python bench/bench.py --synth-runs 3
	$(BIN)/python bench/report_bench.py --write
	$(BIN)/python bench/hostile_bench.py --write
	$(BIN)/python bench/checks_bench.py --write
	$(BIN)/python bench/recrawl_bench.py --write
	$(BIN)/python bench/scale_bench.py --pages 200000 --sites 20 --also bench/scale_earlier.json --write

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var build *.egg-info

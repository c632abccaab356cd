# gridpatrol: `make run` and `make test` are all a new machine needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
LOCALES := services/i18n/locales

.PHONY: run test lint typecheck unit bench drill i18n clean browser-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## Set up, then run the bot: on Telegram with a token, in the local sandbox without one.
run: $(STAMP)
	$(BIN)/gridpatrol quickstart

## Lint, type-check and run every test (unit, integration on SQLite and PostgreSQL, end to end, browser).
test: $(STAMP) browser-deps
	$(BIN)/ruff check bot handlers services models sandbox tests bench drill
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -rs $(PYTEST_ARGS)

## Chromium for the browser tests, from Debian's packages (root only; skipped tests say why otherwise).
browser-deps:
	@if { [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/truetype/noto ]; } \
		&& [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium and fonts for the browser tests and photo stamps"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium fonts-wqy-microhei fonts-noto-color-emoji) >/dev/null; \
	fi

## Only the unit tests (tests/unit: no database, no bot process, no network), in seconds.
unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check bot handlers services models sandbox tests bench drill

typecheck: $(STAMP)
	$(BIN)/mypy

## Every benchmark in bench/, one table of ratios against baselines measured in the same run.
bench: $(STAMP)
	$(BIN)/python -m bench

## Crash and fault drills (SIGKILL, PostgreSQL restart, Telegram failing 10% of calls, SIGKILL with WeCom people) on
## SQLite and PostgreSQL: a table of expected vs found; fails when anybody was left unheard
## (drill/verdict.py), or on any loss or duplicate.
drill: $(STAMP)
	$(BIN)/python -m drill

## Extract the messages from the code into a template, to see what the catalogues lack. No
## compile step: the bot reads the .po files (package data) and compiles them in memory.
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k t -k N_ -k n:1,2 -o $(LOCALES)/gridpatrol.pot .

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

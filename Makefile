# govsim — two commands on a fresh machine: `make run` and `make test`.
# Both create .venv with a Python >= 3.12 found by tools/find-python, install the project, then work.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
# pip on this image lists local mirror folders that do not exist; hide that noise, keep real errors.
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PIPQUIET := { grep -v "is ignored: it is neither a file nor a directory" || true; }

.PHONY: help setup run test test-fast lint baselines bench viz clean browser calibrate

help:
	@echo "make run        set up .venv, sweep every preset (experiments/reform_comparison.toml) and write the report"
	@echo "make test       set up .venv and run the test suite"
	@echo "make lint       ruff over sim/ tests/ experiments/"
	@echo "make viz        the browser app on 127.0.0.1 (SCENARIO=guangdong make viz)"
	@echo "make bench      speed and memory against Mesa's Boltzmann reference (writes benchmarks/results.json)"
	@echo "make baselines  regenerate tests/baselines.json after an intended model change"
	@echo "make calibrate  noisy ABC-SMC calibration (experiments/calibration.toml) and its report (about 19 min on 2 idle cores, 27 on a loaded one)"
	@echo "make clean      remove .venv and outputs"

$(STAMP): pyproject.toml setup.py tools/find-python
	@py=$$(tools/find-python); echo "using $$py ($$($$py --version))"; \
	  [ -x $(PY) ] || $$py -m venv $(VENV)
	@echo "installing govsim and its dependencies into $(VENV) (first time: a few minutes; log in $(VENV)/install.log)"
	@$(PY) -m pip install --upgrade pip > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@$(PY) -m pip install -e ".[dev]" >> $(VENV)/install.log 2>&1 || { $(PIPQUIET) < $(VENV)/install.log; exit 1; }
	@$(PY) -c "import mesa, sim; print('mesa', mesa.__version__, '| govsim ready')"
	@touch $(STAMP)

setup: $(STAMP)

# one folder per model version: results of another version are kept, never mixed in
MODEL_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
RESULTS := results/reform_comparison-$(MODEL_VERSION)
# a failed run still gets its report (which names it); make then exits with the sweep's status
run: $(STAMP)
	@status=0; $(VENV)/bin/govsim sweep experiments/reform_comparison.toml --out $(RESULTS) || status=$$?; \
	  if [ $$status -ne 0 ] && [ $$status -ne 1 ]; then exit $$status; fi; \
	  $(VENV)/bin/govsim report $(RESULTS) -o $(RESULTS)/report.html; \
	  echo "open $(abspath $(RESULTS))/report.html in a browser (it works offline)"; \
	  exit $$status

test: $(STAMP) browser
	$(PY) -m pytest -q

# Browser tests drive Debian's Chromium (never `playwright install`: it downloads a browser build).
# A CJK font, or Chromium and the static figure export draw 万元 and the Chinese report as boxes.
# apt waits up to 10 minutes for a dpkg lock held by another apt process instead of failing.
APT := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get -o DPkg::Lock::Timeout=600
browser:
	@missing=""; command -v chromium >/dev/null || missing="chromium"; \
	  fc-list :lang=zh 2>/dev/null | grep -q . || missing="$$missing fonts-noto-cjk"; \
	  if [ -n "$$missing" ]; then echo "installing Debian's$$missing for the browser tests and figures"; \
	    $(APT) update -qq && $(APT) install -y -qq $$missing >/dev/null; fi

LINT_DIRS := $(wildcard sim tests experiments benchmarks examples)
lint: $(STAMP)
	$(VENV)/bin/ruff check $(LINT_DIRS)
	$(VENV)/bin/ruff format --check $(LINT_DIRS)

# Benchmarks, not tests: figures depend on the machine and its load (docs/benchmarks.md).
bench: $(STAMP) browser
	$(PY) -m benchmarks.bench

# The browser app: SCENARIO=guangdong make viz (127.0.0.1; PORT=N, HOST=H to choose).
viz: $(STAMP)
	$(VENV)/bin/govsim viz $(or $(SCENARIO),baseline) $(if $(PORT),--port $(PORT)) $(if $(HOST),--host $(HOST))

# The shipped calibration (docs/calibration.md): re-running continues an interrupted one.
CALIBRATION := results/calibration-$(MODEL_VERSION)
calibrate: $(STAMP)
	$(VENV)/bin/govsim calibrate experiments/calibration.toml --out $(CALIBRATION)
	$(VENV)/bin/govsim report $(CALIBRATION) -o $(CALIBRATION)/report.html
	@echo "open $(abspath $(CALIBRATION))/report.html in a browser"

baselines: $(STAMP)
	$(PY) -m tests.baselines --write

clean:
	rm -rf $(VENV) runs results .pytest_cache

# coodiag: the two set-up commands of the README are `make run` and `make test`.
# Both install everything needed on a fresh machine (Python venv, Debian packages), then work.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml scripts/setup.sh 2>/dev/null | cksum | cut -d' ' -f1)

.PHONY: run test bench setup clean

$(STAMP): pyproject.toml scripts/setup.sh
	PYTHON=$(PYTHON) bash scripts/setup.sh
	rm -f $(VENV)/.installed-*
	touch $@

setup: $(STAMP)

## The main job on the default data: sync the mirror, build the base, then the diagnosis of the
## Avranches AI on the shipped fictitious roster (PDF + HTML + exports in atlas/).
run: $(STAMP)
	$(BIN)/coodiag data sync
	$(BIN)/coodiag build
	$(BIN)/coodiag info
	$(BIN)/coodiag diagnostic --siret 37968077000029 --salaries examples/salaries_ai_avranches_FICTIF.csv

## The test suite, on the real data mirror.
test: $(STAMP)
	$(BIN)/python -m pytest

## Measured figures (speed, memory) printed as a table.
bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf data/processed/base data/processed/.base.* atlas/*

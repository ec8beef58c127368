# The two commands: `make lab` and `make test`. Setup runs once; later calls skip it.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.course-setup-done
# LAB_ARGS: extra JupyterLab arguments, e.g. LAB_ARGS=--no-browser on a server.
LAB_ARGS ?=

.PHONY: lab test setup lessons doctor bench clean

lab: $(STAMP)
	$(VENV)/bin/jupyter lab lessons/ $(LAB_ARGS)

test: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) -m pytest

setup: $(STAMP)

$(STAMP): pyproject.toml tools/install_torch.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	tools/install_torch.sh $(PY)
	$(PY) -m pip install -q -e ".[offline,lab,test]"
	HF_HUB_OFFLINE=1 $(PY) -m helpers verify
	touch $(STAMP)

# Regenerate lessons/ from solutions/ (authors edit solutions/ only).
lessons: $(STAMP)
	$(PY) tools/make_lessons.py

# Benchmarks (not part of `make test`): writes reports/bench.md and README's performance table.
bench: $(STAMP)
	$(PY) benchmarks/run.py

doctor: $(STAMP)
	$(PY) -m helpers doctor

clean:
	rm -rf $(VENV) reports .pytest_cache

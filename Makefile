# The course's commands. `make book` and `make test` are all a fresh machine needs
# (Python 3.11 and make); both create .venv and install requirements.txt first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
SETUP := $(VENV)/.installed
SITE := _build/html
PORT ?= 8000

AXE := tests/node_modules/axe-core/axe.min.js

.PHONY: book test lint unit slow notebooks outputs site browser axe bench lab serve clean

$(SETUP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	touch $@

## book: build the site into _build/html
book: $(SETUP)
	$(BIN)/jupyter-book build . --path-output . -n --keep-going
	@echo "The site is built: open $(CURDIR)/$(SITE)/index.html (or run 'make serve')."

## test: lint, unit tests and doctests, the slow ones, nbval over every notebook, a clean strict
## build, browser tests
test: lint unit slow notebooks site browser

lint: $(SETUP)
	$(BIN)/ruff check .

## unit: the unit tests and doctests not marked slow
unit: $(SETUP)
	$(BIN)/python -m pytest -q -m "not browser and not slow"

## slow: the tests marked slow: sandboxed grading, DDP on two processes, a kernel and a build
slow: $(SETUP)
	$(BIN)/python -m pytest -q -m "slow and not browser"

# The stored outputs are made and checked on the plainest CPU code paths (no AVX) of MKL,
# oneDNN and torch's own kernels: a last digit, or a long training run, then comes out the
# same whatever instruction set the machine has.
PINNED := MKL_CBWR=COMPATIBLE ONEDNN_MAX_CPU_ISA=SSE41 ATEN_CPU_CAPABILITY=default

notebooks: $(SETUP)
	$(PINNED) $(BIN)/python -m pytest -q --nbval --nbval-current-env \
		--nbval-sanitize-with book/nbval-sanitize.cfg book

## outputs: run the notebooks again and store what they print (NB=book/03_cross_entropy.ipynb
## for one chapter)
NB ?= book/[0-9][0-9]_*.ipynb
outputs: $(SETUP)
	$(PINNED) $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=900 --ExecutePreprocessor.record_timing=False $(NB)

site: $(SETUP)
	rm -rf _build
	$(BIN)/jupyter-book build . --path-output . --all -W -n --keep-going

browser: $(SETUP) $(AXE)
	$(BIN)/python -m pytest -q -m browser tests

## axe: axe-core (npm), the accessibility checker the browser tests run on every page
axe: $(AXE)

$(AXE): tests/package.json
	npm install --prefix tests --no-audit --no-fund
	touch $@

## bench: lossedu / torch forward+backward time per loss
bench: $(SETUP)
	$(BIN)/python -m benchmarks

## lab: JupyterLab with the course's environment
lab: $(SETUP)
	$(BIN)/jupyter lab book

## serve: the built site on http://localhost:$(PORT)
serve:
	@test -f $(SITE)/index.html || $(MAKE) book
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory $(SITE)

clean:
	rm -rf _build $(VENV)

# Inner Mongolia brand registry: `make run` serves the demo, `make test` runs the tests.
# Django 6 needs Python 3.12+. Set PYTHON=/path/to/python3.12 to choose the interpreter.

VENV        := .venv
BIN         := $(VENV)/bin
ADDR        ?= 127.0.0.1:8000
PYTEST_ARGS ?=
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# The first interpreter that runs and is 3.12 or newer. pyenv shims such as `python3.12` exist
# even when pyenv has not selected that version, so every candidate is asked for its version.
PYTHON_CANDIDATES = python3.13 python3.12 \
	$$(pyenv prefix 3.12.1 2>/dev/null)/bin/python \
	$$(for v in $$(pyenv versions --bare 2>/dev/null | grep -E '^3\.1[2-9]\.[0-9]+$$'); do \
	     printf '%s/bin/python ' "$$(pyenv prefix $$v 2>/dev/null)"; done) \
	python3
PYTHON ?= $(shell for p in $(PYTHON_CANDIDATES); do \
	"$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { echo "$$p"; break; }; done)

.PHONY: run test lint bench clean

run: $(VENV)/.installed-run
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_reference
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py runserver $(ADDR)

test: $(VENV)/.installed-dev
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The budgets of DESIGN section 9: certificate PDFs per second, verification under load against a trivial
# view, the verification limit across workers. All run; the exit status fails if any budget failed.
# The 100k/1M dashboard benchmark needs PostgreSQL: see bench/README.md.
bench: $(VENV)/.installed-run
	status=0; for b in certificates imports load throttle; do $(BIN)/python bench/$$b.py || status=1; done; exit $$status

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# The virtualenv, with a Python 3.12+ interpreter.
$(BIN)/python:
	@test -n "$(PYTHON)" && "$(PYTHON)" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null || { \
	  echo "Python 3.12 or newer is needed for Django 6; install it or set PYTHON=/path/to/python3.12" >&2; \
	  exit 1; }
	"$(PYTHON)" -m venv $(VENV)

# pip runs again only when a requirements file is newer than its stamp.
$(VENV)/.installed-run: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed-run

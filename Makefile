# The two commands in the README:
#   make demo   set up .venv and render every bundled example into out/, with its school's profile
#   make test   set up .venv and run the tests against the installed package
# Both install docgen non-editably, as users get it, so a file missing from
# the wheel fails here and not on a school's machine.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXAMPLES := $(sort $(wildcard examples/*.json))

.PHONY: demo test lint install templates holidays schemas bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet --force-reinstall --no-deps .
	$(BIN)/python -m pip install --quiet '.[test]'

demo: install
	@mkdir -p out
	@# Each example school has its profile (logo, signature, how letters are signed).
	@for f in $(EXAMPLES); do \
	  case "$$f" in *.nn.json) p=fjellheim;; *.da.json) p=boegeskov;; *) p=school;; esac; \
	  $(BIN)/docgen render "$$f" --profile examples/profile/$$p.toml -o out/ --force || exit 1; \
	done
	@echo "Rendered $(words $(EXAMPLES)) documents into out/"

test: install lint
	DOCGEN_EXPECT_INSTALLED=1 $(BIN)/pytest

# ruff and mypy (with the pydantic plugin) over the package; part of `make test`.
lint: install
	$(BIN)/ruff check docgen
	$(BIN)/mypy

# Maintainers: rebuild the .docx templates from templates/<lang>/*.md and the
# JSON Schemas from the models, then commit the results.
templates: install
	$(BIN)/python tools/build_templates.py --release

holidays: $(BIN)/python
	$(BIN)/python tools/build_holidays.py

schemas: install
	$(BIN)/docgen schema

bench: install
	$(BIN)/python bench/render_speed.py
	$(BIN)/python bench/batch_speed.py
	$(BIN)/python bench/pdf_speed.py
	$(BIN)/python bench/http_speed.py
	$(BIN)/python bench/peers.py
	$(BIN)/python bench/batch_memory.py

clean:
	rm -rf $(VENV) out build dist

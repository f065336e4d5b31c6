# ProfTicket: `make run` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format messages check-messages clean-venv lock

$(STAMP): requirements-dev.lock
	@test -x $(PY) || "$$(scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	@touch $(STAMP)

venv: $(STAMP)

# A local .env (git ignores it) so that manage.py works in this checkout without exports.
.env: | $(STAMP)
	@printf '# Local development only (created by make run).\nDEBUG=true\nSECRET_KEY=%s\n' \
	  "$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env
	@echo "Created .env for local development (DEBUG on, a random SECRET_KEY)."

## run: install, migrate the embedded SQLite database, load demo data, serve with the worker
run: $(STAMP) .env
	DEBUG=$${DEBUG:-true} scripts/dev-run

## test: the whole suite (SQLite, or PostgreSQL when DATABASE_URL is set)
test: $(STAMP)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## messages: refresh the Russian catalogue from the code and compile it
messages: $(STAMP)
	DEBUG=true $(PY) manage.py makemessages -l ru --no-location --ignore=.venv --ignore=var --ignore=tests --ignore=bench
	DEBUG=true $(PY) manage.py compilemessages -l ru

## check-messages: fail if the catalogue is stale, incomplete or not compiled
check-messages: $(STAMP)
	scripts/check-messages

## lock: re-resolve both locks from pyproject.toml, with the hashes of every file of each release
## (after adding or changing a dependency; `make lock UPGRADE=1` also moves to newer releases)
PIP_COMPILE = $(VENV)/bin/pip-compile --quiet --generate-hashes --no-emit-find-links \
	--no-emit-index-url --strip-extras $(if $(UPGRADE),--upgrade)
lock: $(STAMP)
	$(PIP_COMPILE) --output-file=requirements.lock pyproject.toml
	$(PIP_COMPILE) --allow-unsafe --extra=dev --output-file=requirements-dev.lock pyproject.toml
	scripts/check-locks

clean-venv:
	rm -rf $(VENV)

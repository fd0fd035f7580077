# Two commands for a newcomer: `make run` and `make test`. Everything else is called by them.
PY := .venv/bin/python
PIP := .venv/bin/pip
STAMP := .venv/.installed

.PHONY: install run test lint bench worker projections clean fuzz

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev]'
	$(PY) -m capture.install_models
	$(PY) -m clinic.web.install_assets
	touch $(STAMP)

# The server is Uvicorn: clinic/config/serve.py says why not Daphne and sets the WebSocket limit.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) manage.py load_demo --if-empty
	$(PY) manage.py demo_logins
	$(PY) -m clinic.config.serve --host 127.0.0.1 --port 8000

test: install
	$(PY) -m pytest -q

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy analysis clinic/domain clinic/analysis_jobs
	.venv/bin/lint-imports

# Benchmarks print their headline figures as `name: value` lines. The event store and upload ones need
# PostgreSQL (DATABASE_URL, default the local server).
bench: install
	$(PY) bench/analysis.py
	$(PY) bench/pose.py
	$(PY) bench/reports.py
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/clinic} $(PY) bench/eventstore.py
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/clinic} $(PY) bench/uploads.py

# schemathesis over the OpenAPI schema, in-process against the Django app as a demo therapist
# (tests/e2e/test_api_fuzz.py); prints the examples run and the failures per check.
fuzz: install
	FUZZ_MAX_EXAMPLES=$${FUZZ_MAX_EXAMPLES:-50} $(PY) -m pytest tests/e2e/test_api_fuzz.py -q -p no:cacheprovider

worker: install
	.venv/bin/celery -A clinic worker -l info --without-gossip --without-mingle --without-heartbeat

projections: install
	$(PY) manage.py run_projections

clean:
	rm -rf .venv var

.PHONY: run test lint bench

# Provision (virtualenv, packages, PostgreSQL + PostGIS), migrate, load demo data, serve on :5000.
run:
	bash scripts/run.sh

# The same provisioning into separate test databases, then ruff and the whole test suite.
test:
	bash scripts/test.sh

lint:
	.venv/bin/ruff check exchange tests benchmarks migrations
	node_modules/.bin/eslint .

bench:
	.venv/bin/python -m benchmarks

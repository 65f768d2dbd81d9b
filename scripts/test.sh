#!/usr/bin/env bash
# Set up, then run the whole test suite (all markers).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# the HTML report's test opens it in a real headless Chromium (Debian's packages)
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 || {
      apt-get update -q >/dev/null && apt-get install -y -q chromium chromium-driver >/dev/null; }
  else
    echo "note: cannot install chromium here (needs root + apt-get); its test will skip" >&2
  fi
fi
.venv/bin/ruff check src tests benchmarks
.venv/bin/mypy  # pyproject [tool.mypy]: src/looplab with the pydantic plugin; zero errors
bash scripts/docs.sh && export LOOPLAB_DOCS_HTML="$PWD/docs/_build/html"  # tests/docs opens it
# The run includes the property-based hardening suite (tests/hardening, hypothesis,
# derandomized): examples per test are set in tests/hardening/test_properties.py
# (OPE frames 150 and item files 20 in the quick loop, ~10 s; run overrides 25 and sweep
# specs 20 marked slow, ~60 s on 2 cores).
# Two worker processes (one per core of the reference 2-core machine), each taking whole
# test files so module-scoped fixtures (a loaded model, a run shared by a file's claim
# tests) are built once; LOOPLAB_TEST_WORKERS=0 runs in one process.
.venv/bin/python -m pytest -q -n "${LOOPLAB_TEST_WORKERS:-2}" --dist loadfile "$@"

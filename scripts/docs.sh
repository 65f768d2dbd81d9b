#!/usr/bin/env bash
# Build the documentation site (Sphinx, warnings are errors) into docs/_build/html, or into
# the folder given as $1. The example gallery runs at build time, at small sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
OUT=${1:-docs/_build/html}
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" MPLBACKEND=Agg
# third-party deprecation notices (sphinx-autodoc-typehints vs Sphinx 9) are not our warnings
export PYTHONWARNINGS="ignore::DeprecationWarning,ignore::PendingDeprecationWarning"
# -E: re-read every page, so the API pages and their source links never go stale; the
# highlighted-source pages are skipped by Sphinx when they look newer than the module, so a
# build left from an older tree would keep stale anchors: drop them first
rm -rf "$OUT/_modules"
"$PY" -m sphinx -E -W --keep-going -q -b html -d docs/_build/doctrees docs "$OUT"
echo "docs: $OUT/index.html"

#!/usr/bin/env bash
# Set up, then run the main job on embedded defaults (no server, no GPU, no network).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/looplab run lending-german "$@"

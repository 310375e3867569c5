#!/usr/bin/env bash
# Creates the moto virtual environment in the git-ignored .toolchain/moto-venv (at the repository root)
# unless it already holds the pinned version. Prints the venv's python path on stdout.
# Used by the @taskport/aws test setup and by .ci/run.
set -euo pipefail

ROOT="${TASKPORT_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
VENV="${TASKPORT_MOTO_VENV:-$ROOT/.toolchain/moto-venv}"
REQUIREMENTS="$ROOT/tooling/moto/requirements.txt"
STAMP="$VENV/.taskport-requirements"

log() { printf '[ensure-moto] %s\n' "$*" >&2; }

if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && cmp -s "$REQUIREMENTS" "$STAMP"; then
  echo "$VENV/bin/python"
  exit 0
fi

PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null 2>&1 || { log "python3 is required (apt-get install python3 python3-venv)"; exit 1; }

log "creating $VENV and installing $(grep -v '^#' "$REQUIREMENTS" | tr '\n' ' ')"
mkdir -p "$(dirname "$VENV")"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQUIREMENTS" >&2
cp "$REQUIREMENTS" "$STAMP"
echo "$VENV/bin/python"

#!/usr/bin/env bash
# Creates the schemathesis virtual environment in the git-ignored .toolchain/schemathesis-venv (at the
# repository root) unless it already holds the pinned version. Prints the `st` command's path on stdout.
# Used by the @taskport/server tests (test/schemathesis.test.ts) and so by .ci/run.
set -euo pipefail

ROOT="${TASKPORT_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
VENV="${TASKPORT_SCHEMATHESIS_VENV:-$ROOT/.toolchain/schemathesis-venv}"
REQUIREMENTS="$ROOT/tooling/schemathesis/requirements.txt"
STAMP="$VENV/.taskport-requirements"

log() { printf '[ensure-schemathesis] %s\n' "$*" >&2; }

if [ -x "$VENV/bin/st" ] && [ -f "$STAMP" ] && cmp -s "$REQUIREMENTS" "$STAMP"; then
  echo "$VENV/bin/st"
  exit 0
fi

PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null 2>&1 || { log "python3 >= 3.9 is required (apt-get install python3 python3-venv)"; exit 1; }

log "creating $VENV and installing $(grep -v '^#' "$REQUIREMENTS" | tr '\n' ' ')"
rm -rf "$VENV"
mkdir -p "$(dirname "$VENV")"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQUIREMENTS" >&2
cp "$REQUIREMENTS" "$STAMP"
echo "$VENV/bin/st"

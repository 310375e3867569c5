#!/usr/bin/env bash
# The project's test command (`npm test` at the root). Works on a machine that has only Node 20 and
# npm: it installs the toolchain (Node 24, pnpm), the dependencies and the AWS emulator (moto) it needs,
# builds, and runs every package's tests, including every contract suite against every adapter.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. tooling/scripts/toolchain.sh
set -euo pipefail
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1

if [ ! -d node_modules/.pnpm ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
  pnpm install --frozen-lockfile
fi
if [ -f tooling/moto/ensure-moto.sh ]; then
  bash tooling/moto/ensure-moto.sh
fi
# One package at a time: the suites start real processes and emulators, and these machines have 2 cores.
# --continue: every package runs and reports even after one fails (the exit status still says it failed).
log="$(mktemp -t taskport-test.XXXXXX)"
trap 'rm -f "$log"' EXIT
status=0
pnpm exec turbo run test --concurrency=1 --continue --output-logs=full "$@" 2>&1 | tee "$log" || status=$?
node tooling/scripts/summarize-tests.mjs "$log" || status=1
exit "$status"

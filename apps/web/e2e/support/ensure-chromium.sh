#!/usr/bin/env bash
# Makes Debian's chromium available for the browser suite, idempotently: nothing happens when it is
# installed. Browsers are never downloaded from anywhere but Debian's archive (playwright-core's own
# browser builds are not used). Prints the path of the binary on stdout.
set -euo pipefail

find_chromium() {
  for candidate in "${TASKPORT_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if find_chromium; then exit 0; fi

if [ "$(id -u)" != "0" ] && ! command -v sudo >/dev/null 2>&1; then
  echo "ensure-chromium: chromium is missing and this user cannot install it; run: apt-get install -y chromium (or set TASKPORT_CHROMIUM)" >&2
  exit 1
fi
as_root() { if [ "$(id -u)" = "0" ]; then "$@"; else sudo "$@"; fi; }
echo "ensure-chromium: installing Debian's chromium (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
as_root apt-get update -qq >&2
as_root apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
find_chromium || {
  echo "ensure-chromium: apt-get finished but no chromium binary was found; install Debian's chromium package" >&2
  exit 1
}

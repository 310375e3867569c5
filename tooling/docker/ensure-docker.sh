#!/usr/bin/env bash
# Makes sure this machine has what the Docker provider's tests need: dockerd (Debian's docker.io),
# busybox-static (the test image's only binary) and docker-registry (a local registry for pulls by
# digest). Installs the missing ones with apt-get when run as root; otherwise says how to get them.
# Idempotent: does nothing when everything is there. Never starts or touches the machine-wide daemon
# (the test harness starts its own, isolated one; see tooling/docker/README.md).
# Prints, one per line on stdout: DOCKERD=<path> DOCKER=<path> BUSYBOX=<path> REGISTRY=<path>.
set -euo pipefail

log() { printf '[ensure-docker] %s\n' "$*" >&2; }

find_bin() {
  local name
  for name in "$@"; do
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
    for dir in /usr/sbin /usr/bin /sbin /bin; do
      if [ -x "$dir/$name" ]; then echo "$dir/$name"; return 0; fi
    done
  done
  return 1
}

missing=()
find_bin dockerd >/dev/null || missing+=(docker.io)
[ -x /usr/bin/docker ] || find_bin docker >/dev/null || missing+=(docker.io)
find_bin containerd >/dev/null || missing+=(docker.io)
# busybox-static ships /bin/busybox statically linked; a dynamic busybox would not run in a scratch image.
if ! dpkg -s busybox-static >/dev/null 2>&1 && ! file -L /bin/busybox 2>/dev/null | grep -q 'statically linked'; then
  missing+=(busybox-static)
fi
find_bin docker-registry registry >/dev/null || missing+=(docker-registry)

if [ "${#missing[@]}" -gt 0 ]; then
  # Unique package names, in order.
  packages="$(printf '%s\n' "${missing[@]}" | awk '!seen[$0]++' | tr '\n' ' ')"
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    log "missing: ${packages}"
    log "install them: on Debian/Ubuntu 'sudo apt-get install -y --no-install-recommends ${packages}';"
    log "elsewhere install a Docker Engine (dockerd + containerd + runc), a statically linked busybox at"
    log "/bin/busybox and the CNCF distribution registry ('registry' / 'docker-registry' binary)."
    exit 1
  fi
  log "installing ${packages}with apt-get (Debian packages)"
  # The docker.io package would start the machine-wide daemon through its service scripts; stop that
  # from happening (policy-rc.d 101 = "do not start services") for the length of the install.
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    created_policy=1
  fi
  trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends $packages >&2; then
    apt-get update >&2
    apt-get install -y --no-install-recommends $packages >&2
  fi
fi

DOCKERD="$(find_bin dockerd)"
REGISTRY="$(find_bin docker-registry registry)"
# Debian's CLI matches its daemon; another docker CLI on PATH works too (it negotiates the API version).
if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER="$(find_bin docker)"; fi
echo "DOCKERD=$DOCKERD"
echo "DOCKER=$DOCKER"
echo "BUSYBOX=/bin/busybox"
echo "REGISTRY=$REGISTRY"

#!/usr/bin/env bash
# Makes Node >= 22.12 and pnpm available on PATH, installing them into the git-ignored
# .toolchain/ folder from the npm registry when the machine lacks them. Source it:
#   . tooling/scripts/toolchain.sh
# A new machine here has only Node 20 and npm; corepack cannot verify registry signatures,
# so pnpm is installed as a plain npm package instead.
set -euo pipefail

TASKPORT_ROOT="${TASKPORT_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
TOOLCHAIN_DIR="$TASKPORT_ROOT/.toolchain"
NODE_PACKAGE_VERSION="24"
PNPM_VERSION="$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$TASKPORT_ROOT/package.json")"

log() { printf '[toolchain] %s\n' "$*" >&2; }

node_is_recent_enough() {
  local node_bin="$1"
  [ -x "$node_bin" ] || command -v "$node_bin" >/dev/null 2>&1 || return 1
  "$node_bin" -e '
    const [maj, min] = process.versions.node.split(".").map(Number);
    process.exit(maj > 22 || (maj === 22 && min >= 12) ? 0 : 1);
  ' 2>/dev/null
}

ensure_node() {
  if node_is_recent_enough node; then return; fi
  local local_node="$TOOLCHAIN_DIR/node/node_modules/.bin/node"
  if ! node_is_recent_enough "$local_node"; then
    log "system Node is $(node --version 2>/dev/null || echo missing); installing Node $NODE_PACKAGE_VERSION into .toolchain/node"
    mkdir -p "$TOOLCHAIN_DIR/node"
    # Its own package.json stops npm from walking up and installing into the repository root.
    echo '{"name":"taskport-toolchain-node","private":true}' >"$TOOLCHAIN_DIR/node/package.json"
    (cd "$TOOLCHAIN_DIR/node" && npm install --no-save --no-audit --no-fund --loglevel=error "node@$NODE_PACKAGE_VERSION" >&2)
  fi
  # The npm "node" package exposes the real binary through its bin link.
  local real_node
  real_node="$(readlink -f "$local_node")"
  mkdir -p "$TOOLCHAIN_DIR/bin"
  ln -sf "$real_node" "$TOOLCHAIN_DIR/bin/node"
  export PATH="$TOOLCHAIN_DIR/bin:$PATH"
}

ensure_pnpm() {
  if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; then return; fi
  local local_pnpm="$TOOLCHAIN_DIR/pnpm/node_modules/.bin/pnpm"
  if [ ! -x "$local_pnpm" ] || [ "$("$local_pnpm" --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
    log "installing pnpm $PNPM_VERSION into .toolchain/pnpm"
    mkdir -p "$TOOLCHAIN_DIR/pnpm"
    echo '{"name":"taskport-toolchain-pnpm","private":true}' >"$TOOLCHAIN_DIR/pnpm/package.json"
    # A plain (not -g --prefix) install, as for Node above: with --prefix npm would read its machine-wide
    # npmrc from <prefix>/etc and so miss the user's CA file, proxy and registry settings.
    (cd "$TOOLCHAIN_DIR/pnpm" && npm install --no-save --no-audit --no-fund --loglevel=error "pnpm@$PNPM_VERSION" >&2)
  fi
  mkdir -p "$TOOLCHAIN_DIR/bin"
  ln -sf "$local_pnpm" "$TOOLCHAIN_DIR/bin/pnpm"
  export PATH="$TOOLCHAIN_DIR/bin:$PATH"
}

# The machine's npm settings (the global npmrc: a corporate CA file, a proxy, a registry) are found by npm
# relative to the Node that runs it. Once .toolchain's Node is first on PATH, npm and pnpm look for them under
# .toolchain and miss them; on a network with a TLS-intercepting proxy `pnpm install` from an empty store then
# hangs in retries (seen on this machine kind). So, before switching Node, remember where they are, and hand
# a CA file on to every Node process as NODE_EXTRA_CA_CERTS (pnpm's own fetches honour that). Settings the
# user exported already win.
remember_npm_settings() {
  command -v npm >/dev/null 2>&1 || return 0
  local value
  if [ -z "${npm_config_globalconfig:-}" ]; then
    value="$(npm config get globalconfig 2>/dev/null || true)"
    if [ -n "$value" ] && [ -r "$value" ]; then export npm_config_globalconfig="$value"; fi
  fi
  if [ -z "${NODE_EXTRA_CA_CERTS:-}" ]; then
    value="$(npm config get cafile 2>/dev/null || true)"
    if [ -n "$value" ] && [ "$value" != "null" ] && [ "$value" != "undefined" ] && [ -r "$value" ]; then
      export NODE_EXTRA_CA_CERTS="$value"
    fi
  fi
}

remember_npm_settings
ensure_node
ensure_pnpm
set +euo pipefail

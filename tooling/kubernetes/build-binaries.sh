#!/usr/bin/env bash
# Builds the binaries of the Kubernetes test cluster from the Go module proxy, once per version set:
# kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kubectl, etcd and kwok.
#
# They land in ${XDG_CACHE_HOME:-$HOME/.cache}/taskport/kubernetes/<k8s>-<etcd>-<kwok>/bin, outside the checkout, so
# every clone on the machine (CI runs in a fresh one) reuses them. A run that finds them pays nothing; a cold build
# takes several minutes (kube-apiserver dominates). Prints the bin directory on stdout; progress goes to stderr.
#
# The Go module is a throw-away wrapper created in a temporary directory: it requires k8s.io/kubernetes and
# sigs.k8s.io/kwok, names each command in a `tool` line, and replaces every k8s.io staging module that Kubernetes'
# go.mod requires at v0.0.0 with its published v0.X.Y twin.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
. "$HERE/versions.sh"

K8S="$TASKPORT_K8S_VERSION"
ETCD="$TASKPORT_ETCD_VERSION"
KWOK="$TASKPORT_KWOK_VERSION"
CACHE_ROOT="${TASKPORT_K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/taskport/kubernetes}"
KEY="$K8S-$ETCD-$KWOK"
DEST="$CACHE_ROOT/$KEY"
BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl etcd kwok)

log() { printf '[k8s-binaries] %s\n' "$*" >&2; }

complete() {
  local b
  [ -f "$DEST/.complete" ] || return 1
  for b in "${BINARIES[@]}"; do [ -x "$DEST/bin/$b" ] || return 1; done
}

if complete; then
  echo "$DEST/bin"
  exit 0
fi

command -v go >/dev/null 2>&1 || PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null 2>&1 || {
  log "Go >= 1.26.0 is required to build Kubernetes $K8S (https://go.dev/dl/, or put it on PATH)"
  exit 1
}
command -v flock >/dev/null 2>&1 || { log "flock (util-linux) is required"; exit 1; }

mkdir -p "$CACHE_ROOT"
# One build at a time per version set: a second run waits here, then finds the binaries.
exec 9>"$CACHE_ROOT/$KEY.lock"
if ! flock -n 9; then
  log "another build of $KEY is running; waiting for it"
  flock 9
fi
if complete; then
  echo "$DEST/bin"
  exit 0
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/taskport-k8s-build.XXXXXX")"
STAGE="$CACHE_ROOT/.$KEY.partial.$$"
cleanup() { rm -rf "$WORK" "$STAGE"; }
trap cleanup EXIT

started=$(date +%s)
log "building Kubernetes $K8S, etcd $ETCD, kwok $KWOK into $DEST (several minutes when cold)"
export GOFLAGS="${GOFLAGS:-} -mod=mod"
export CGO_ENABLED=0
export GOTOOLCHAIN=local
cd "$WORK"

cat >go.mod <<GOMOD
module taskport.local/k8s-test-binaries

go 1.26.0
GOMOD

# Kubernetes' own go.mod names the staging modules it requires at v0.0.0 (replaced by directories in its repo).
gomod_file="$(go mod download -json "k8s.io/kubernetes@$K8S" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
[ -f "$gomod_file" ] || { log "could not download k8s.io/kubernetes@$K8S's go.mod"; exit 1; }
staging_version="v0.${K8S#v1.}"
staging=$(awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" { print $1 }' "$gomod_file" | sort -u)
[ -n "$staging" ] || { log "found no staging modules in $gomod_file"; exit 1; }

{
  echo
  echo "require ("
  echo "  k8s.io/kubernetes $K8S"
  echo "  sigs.k8s.io/kwok $KWOK"
  echo "  go.etcd.io/etcd/server/v3 $ETCD"
  echo ")"
  echo
  echo "tool ("
  for c in kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl; do echo "  k8s.io/kubernetes/cmd/$c"; done
  echo "  go.etcd.io/etcd/server/v3"
  echo "  sigs.k8s.io/kwok/cmd/kwok"
  echo ")"
  echo
  echo "replace ("
  for m in $staging; do echo "  $m => $m $staging_version"; done
  echo ")"
} >>go.mod
log "wrapper module with $(echo "$staging" | wc -l) staging replacements; resolving"
nice -n 10 go mod tidy >&2

# The etcd version must be the one asked for, not whatever the graph selected.
got_etcd=$(go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)
[ "$got_etcd" = "$ETCD" ] || { log "module graph selected etcd $got_etcd, expected $ETCD"; exit 1; }

mkdir -p "$STAGE/bin"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags="$ldflags -X $pkg.gitVersion=$K8S -X $pkg.gitMajor=1 -X $pkg.gitMinor=$(echo "$K8S" | cut -d. -f2)"
  ldflags="$ldflags -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done

build() { # <output name> <package> [extra ldflags]
  local t0=$(date +%s)
  nice -n 10 go build -trimpath -ldflags "$ldflags ${3:-}" -o "$STAGE/bin/$1" "$2" >&2
  log "built $1 in $(($(date +%s) - t0)) s"
}
# kube-apiserver first: it compiles most of the shared graph; the rest then come mostly from the build cache.
for c in kube-apiserver kube-controller-manager kubelet kube-scheduler kubectl; do
  build "$c" "k8s.io/kubernetes/cmd/$c"
done
build etcd go.etcd.io/etcd/server/v3
build kwok sigs.k8s.io/kwok/cmd/kwok "-X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK"

printf 'kubernetes %s\netcd %s\nkwok %s\nbuilt %s in %s s\n' "$K8S" "$ETCD" "$KWOK" "$(date -u +%FT%TZ)" \
  "$(($(date +%s) - started))" >"$STAGE/.complete"
# Atomic publish: a reader sees either no directory or a complete one.
rm -rf "$DEST"
mv "$STAGE" "$DEST"
log "done in $(($(date +%s) - started)) s"
echo "$DEST/bin"

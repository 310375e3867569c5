#!/usr/bin/env bash
# A throw-away Kubernetes cluster on loopback for tests: etcd, kube-apiserver, kube-controller-manager and
# kube-scheduler, plus a node - a real kubelet on containerd (real containers) and/or kwok (simulated pods).
#
#   cluster.sh start <dir> [--kubelet] [--kwok] [--owner <pid>]   starts it; prints <dir>/cluster.env
#   cluster.sh stop <dir>                                           stops it by pid and cleans up the host
#
# Everything lives under <dir> (keys, data, logs, pids, containerd's root); stop kills each process by the
# pid it recorded (after checking the pid still runs a command naming <dir>), unmounts what was mounted
# under <dir>, removes the pod network namespaces, the bridge and the pod cgroups, then <dir> itself.
# With --owner, a watchdog stops the cluster when that process ends, so a crashed test run leaves nothing.
# The binaries come from build-binaries.sh (built once per version set into the user's cache).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Go's usual install location, for machines whose PATH lacks it (Go is needed once, for kwok's stages).
command -v go >/dev/null 2>&1 || PATH="$PATH:/usr/local/go/bin"
log() { printf '[k8s-cluster] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

usage() { die "usage: cluster.sh start <dir> [--kubelet] [--kwok] [--owner <pid>] | cluster.sh stop <dir>"; }

# ---------------------------------------------------------------------------------------------- stopping

# Our process: alive and its command line names the cluster directory (guards against pid reuse).
ours() {
  local pid="$1" dir="$2"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$dir"
}

stop_pid() { # <name> <pid> <dir>
  local name="$1" pid="$2" dir="$3" i
  ours "$pid" "$dir" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do ours "$pid" "$dir" || return 0; sleep 0.1; done
  log "$name ($pid) ignored SIGTERM for 5 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

stop_cluster() {
  local dir="$1" name pid
  [ -d "$dir" ] || return 0
  dir="$(cd "$dir" && pwd)"
  [ -f "$dir/.taskport-cluster" ] || die "$dir is not a cluster directory made by cluster.sh; not touching it"
  # The watchdog first, so it does not race this stop.
  [ -f "$dir/pids/watchdog" ] && { pid=$(cat "$dir/pids/watchdog"); [ "$pid" != "$$" ] && stop_pid watchdog "$pid" "$dir"; }
  for name in kwok kubelet; do
    [ -f "$dir/pids/$name" ] && stop_pid "$name" "$(cat "$dir/pids/$name")" "$dir"
  done
  if [ -f "$dir/pids/containerd" ]; then
    local sock="$dir/containerd/containerd.sock" task
    if ours "$(cat "$dir/pids/containerd")" "$dir" && [ -S "$sock" ]; then
      for task in $(ctr --address "$sock" -n k8s.io tasks ls -q 2>/dev/null); do
        ctr --address "$sock" -n k8s.io tasks kill -s SIGKILL "$task" >/dev/null 2>&1 || true
      done
    fi
    stop_pid containerd "$(cat "$dir/pids/containerd")" "$dir"
    # The runc shims outlive containerd; each names our socket on its command line.
    for pid in $(ls /proc | grep -E '^[0-9]+$'); do
      [ -r "/proc/$pid/cmdline" ] || continue
      if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-address $sock"; then
        kill -KILL "$pid" 2>/dev/null || true
      fi
    done
  fi
  for name in kube-scheduler kube-controller-manager kube-apiserver etcd; do
    [ -f "$dir/pids/$name" ] && stop_pid "$name" "$(cat "$dir/pids/$name")" "$dir"
  done
  # Mounts under the directory (container rootfs overlays, shm, kubelet volumes, network namespaces), deepest first.
  local target
  while read -r target; do
    umount "$target" 2>/dev/null || umount -l "$target" 2>/dev/null || log "could not unmount $target"
  done < <(findmnt -rn -o TARGET | grep -F -- "$dir/" | sort -r)
  if [ -f "$dir/bridge" ]; then
    ip link show "$(cat "$dir/bridge")" >/dev/null 2>&1 && ip link delete "$(cat "$dir/bridge")" 2>/dev/null || true
  fi
  if [ -f "$dir/cgroup-root" ]; then
    local root controller
    root=$(cat "$dir/cgroup-root")
    for controller in /sys/fs/cgroup/*/; do
      [ -d "$controller$root" ] || continue
      # Leaves first: a cgroup directory can only be removed once it has no children.
      find "$controller$root" -depth -type d -exec rmdir {} \; 2>/dev/null || log "could not remove cgroup $controller$root"
    done
  fi
  rm -rf "$dir" 2>/dev/null || { sleep 1; rm -rf "$dir" || log "could not remove $dir entirely"; }
  log "stopped and removed $dir"
}

# ---------------------------------------------------------------------------------------------- starting

free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 40000))
    if [ -z "$(ss -Hltn "sport = :$port" 2>/dev/null)" ] && ! grep -qx "$port" "$DIR/ports" 2>/dev/null; then
      echo "$port" >>"$DIR/ports"
      echo "$port"
      return 0
    fi
  done
  die "found no free port"
}

spawn() { # <name> <command...>: detached from the caller's process group; output in logs/<name>.log
  local name="$1"
  shift
  setsid "$@" >"$DIR/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$DIR/pids/$name"
}

wait_for() { # <what> <seconds> <command...>
  local what="$1" seconds="$2" started
  shift 2
  started=$(date +%s%N)
  until "$@" >/dev/null 2>&1; do
    if [ $(( ($(date +%s%N) - started) / 1000000000 )) -ge "$seconds" ]; then
      log "$what not ready after $seconds s; last log lines:"
      tail -n 30 "$DIR/logs/"*.log >&2 || true
      return 1
    fi
    sleep 0.2
  done
  log "$what ready after $(( ($(date +%s%N) - started) / 1000000 )) ms"
}

process_alive() { ours "$(cat "$DIR/pids/$1")" "$DIR"; }

kubectl_() { "$BIN/kubectl" --kubeconfig "$DIR/kubeconfig" "$@"; }

make_pki() {
  local pki="$DIR/pki"
  mkdir -p "$pki"
  (
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj "/CN=taskport-test-ca" 2>/dev/null
    for cert in apiserver kubelet; do
      openssl req -newkey rsa:2048 -nodes -keyout "$cert.key" -out "$cert.csr" -subj "/CN=$cert" 2>/dev/null
      printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$cert.ext"
      openssl x509 -req -in "$cert.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$cert.crt" -days 2 \
        -extfile "$cert.ext" 2>/dev/null
    done
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  )
  TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  printf '%s,admin,admin,"system:masters"\n' "$TOKEN" >"$pki/tokens.csv"
  chmod 600 "$pki"/*.key "$pki/tokens.csv"
  cat >"$DIR/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: taskport-test
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority: $pki/ca.crt
users:
- name: admin
  user:
    token: $TOKEN
contexts:
- name: taskport-test
  context: {cluster: taskport-test, user: admin, namespace: default}
current-context: taskport-test
EOF
  chmod 600 "$DIR/kubeconfig"
}

start_control_plane() {
  local etcd_port peer_port metrics_port pki="$DIR/pki"
  etcd_port=$(free_port)
  peer_port=$(free_port)
  metrics_port=$(free_port)
  spawn etcd nice -n 5 "$BIN/etcd" --name default --data-dir "$DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "default=http://127.0.0.1:$peer_port" --listen-metrics-urls "http://127.0.0.1:$metrics_port" \
    --unsafe-no-fsync --log-level warn
  wait_for etcd 30 curl -fsS "http://127.0.0.1:$etcd_port/health"

  spawn kube-apiserver "$BIN/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" --token-auth-file "$pki/tokens.csv" --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-cluster-ip-range 10.0.0.0/24 --endpoint-reconciler-type none \
    --kubelet-preferred-address-types Hostname,InternalIP --profiling=false \
    "${APISERVER_EXTRA[@]}"
  wait_for kube-apiserver 60 curl -fsS --cacert "$pki/ca.crt" -H "Authorization: Bearer $TOKEN" \
    "https://127.0.0.1:$API_PORT/readyz"

  spawn kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig "$DIR/kubeconfig" \
    --authentication-kubeconfig "$DIR/kubeconfig" --authorization-kubeconfig "$DIR/kubeconfig" \
    --leader-elect=false --secure-port 0 --service-account-private-key-file "$pki/sa.key" \
    --root-ca-file "$pki/ca.crt" --use-service-account-credentials=false \
    --controllers '*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-route'
  spawn kube-scheduler "$BIN/kube-scheduler" --kubeconfig "$DIR/kubeconfig" \
    --authentication-kubeconfig "$DIR/kubeconfig" --authorization-kubeconfig "$DIR/kubeconfig" \
    --leader-elect=false --secure-port 0
  # The controller-manager creates each namespace's `default` ServiceAccount; pods need it.
  wait_for "the default ServiceAccount" 60 kubectl_ get serviceaccount default -n default
}

# A docker-archive image (what `ctr images import` reads) of busybox-static: /bin/busybox and a symlink per
# applet, PATH set, no ENTRYPOINT. <name> <cmd-json>
busybox_image() {
  local name="$1" cmd="$2" work="$DIR/images/$1" diff config
  mkdir -p "$work/rootfs/bin" "$work/rootfs/tmp" "$work/rootfs/etc" "$work/rootfs/proc" "$work/rootfs/sys" "$work/rootfs/dev"
  cp "$BUSYBOX" "$work/rootfs/bin/busybox"
  for applet in $("$BUSYBOX" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$work/rootfs/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$work/rootfs/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' >"$work/rootfs/etc/group"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/rootfs" -cf "$work/layer.tar" .
  diff=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
  config=$(printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":%s,"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"taskport test image from busybox-static"}]}' "$cmd" "$diff")
  printf '%s' "$config" >"$work/config.json"
  local config_id
  config_id=$(sha256sum "$work/config.json" | cut -d' ' -f1)
  mkdir -p "$work/archive"
  cp "$work/config.json" "$work/archive/$config_id.json"
  cp "$work/layer.tar" "$work/archive/layer.tar"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["layer.tar"]}]' "$config_id" "$name" >"$work/archive/manifest.json"
  tar -C "$work/archive" -cf "$work/image.tar" .
  ctr --address "$DIR/containerd/containerd.sock" -n k8s.io images import --no-unpack=false "$work/image.tar" >/dev/null
  rm -rf "$work/rootfs" "$work/archive" "$work/layer.tar"
}

# Installs the Debian packages the kubelet node needs when they are missing (idempotent).
ensure_debian_packages() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]}; install them with your package manager (Debian: apt-get install -y ${missing[*]})"
  log "installing ${missing[*]} with apt-get"
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"; } >&2 ||
    die "apt-get could not install ${missing[*]}; install them by hand"
}

start_kubelet_node() {
  ensure_debian_packages containerd runc containernetworking-plugins busybox-static
  BUSYBOX=/bin/busybox

  local id bridge subnet kubelet_port
  id=$(basename "$DIR" | tr -cd 'a-z0-9' | tail -c 6)
  bridge="tpk$id"
  echo "$bridge" >"$DIR/bridge"
  local octet
  for _ in $(seq 1 50); do
    octet=$((RANDOM % 200 + 20))
    ip route | grep -q "^10\.213\.$octet\." || break
  done
  subnet="10.213.$octet.0/24"
  echo "taskport-$id" >"$DIR/cgroup-root"
  local controller
  for controller in /sys/fs/cgroup/*/; do
    case "$controller" in */unified/) continue ;; esac
    mkdir -p "${controller}taskport-$id"
    if [ -f "${controller}cpuset.cpus" ]; then
      cat "${controller}cpuset.cpus" >"${controller}taskport-$id/cpuset.cpus"
      cat "${controller}cpuset.mems" >"${controller}taskport-$id/cpuset.mems"
    fi
  done

  mkdir -p "$DIR/containerd" "$DIR/cni/net.d" "$DIR/netns"
  cat >"$DIR/cni/net.d/10-taskport.conflist" <<EOF
{"cniVersion":"1.0.0","name":"taskport-test","plugins":[
 {"type":"bridge","bridge":"$bridge","isGateway":true,"ipMasq":false,
  "ipam":{"type":"host-local","ranges":[[{"subnet":"$subnet"}]],"dataDir":"$DIR/cni/ipam"}},
 {"type":"loopback"}]}
EOF
  cat >"$DIR/containerd/config.toml" <<EOF
version = 2
root = "$DIR/containerd/root"
state = "$DIR/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$DIR/containerd/containerd.sock"
[ttrpc]
  address = "$DIR/containerd/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$DIR/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "taskport.test/pause:1"
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  netns_mounts_under = "$DIR/netns"
  enable_cdi = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "$DIR/containerd/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$DIR/cni/net.d"
EOF
  spawn containerd containerd --config "$DIR/containerd/config.toml"
  wait_for containerd 30 ctr --address "$DIR/containerd/containerd.sock" version
  busybox_image taskport.test/pause:1 '["sleep","2147483647"]'
  busybox_image taskport.test/busybox:1 '["sh"]'
  log "imported taskport.test/pause:1 and taskport.test/busybox:1"

  kubelet_port=$(free_port)
  mkdir -p "$DIR/kubelet/root" "$DIR/kubelet/pod-logs"
  cat >"$DIR/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: $kubelet_port
readOnlyPort: 0
healthzPort: 0
tlsCertFile: $DIR/pki/kubelet.crt
tlsPrivateKeyFile: $DIR/pki/kubelet.key
authentication:
  anonymous: {enabled: true}
  webhook: {enabled: false}
authorization: {mode: AlwaysAllow}
cgroupDriver: cgroupfs
cgroupRoot: /taskport-$id
failCgroupV1: false
failSwapOn: false
makeIPTablesUtilChains: false
podLogsDir: $DIR/kubelet/pod-logs
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "1Mi", nodefs.available: "1%", imagefs.available: "1%"}
resolvConf: ""
clusterDomain: cluster.local
containerRuntimeEndpoint: unix://$DIR/containerd/containerd.sock
localStorageCapacityIsolation: false
EOF
  spawn kubelet "$BIN/kubelet" --config "$DIR/kubelet/config.yaml" --kubeconfig "$DIR/kubeconfig" \
    --root-dir "$DIR/kubelet/root" --cert-dir "$DIR/kubelet/pki" --hostname-override localhost \
    --node-labels taskport.dev/test-node=kubelet
  wait_for "node localhost" 60 kubectl_ wait --for=condition=Ready node/localhost --timeout=1s
}

# kwok's own "fast" stages (node ready at once; Job pods Running, then Succeeded with exit code 0; deleted
# pods released), taken from the kwok module the binaries were built from.
kwok_stages() {
  # Kept beside the cached binaries after the first run, so later runs (and CI) need no Go.
  local saved="$BIN/../kwok-stages-$TASKPORT_KWOK_VERSION.yaml"
  if [ -s "$saved" ]; then
    cat "$saved"
    return
  fi
  kwok_stages_from_module >"$saved.tmp" && mv "$saved.tmp" "$saved"
  cat "$saved"
}

kwok_stages_from_module() {
  local module
  module="$(cd "$(mktemp -d)" && GOFLAGS=-mod=mod go mod download -json "sigs.k8s.io/kwok@$TASKPORT_KWOK_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$module/kustomize/stage" ] || die "could not find kwok $TASKPORT_KWOK_VERSION's stages (go mod download failed)"
  local file
  for file in "$module"/kustomize/stage/node/fast/node-initialize.yaml "$module"/kustomize/stage/node/heartbeat/node-heartbeat.yaml \
    "$module"/kustomize/stage/pod/fast/pod-*.yaml; do
    echo "---"
    cat "$file"
  done
}

start_kwok_node() {
  local kwok_port
  kwok_port=$(free_port)
  # shellcheck source=versions.sh
  . "$HERE/versions.sh"
  kwok_stages >"$DIR/kwok-stages.yaml"
  spawn kwok "$BIN/kwok" --kubeconfig "$DIR/kubeconfig" --config "$DIR/kwok-stages.yaml" \
    --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake --node-ip 127.0.0.1 \
    --node-port "$kwok_port" --server-address "127.0.0.1:$kwok_port"
  kubectl_ apply -f "$HERE/kwok/node.yaml" >/dev/null
  wait_for "node kwok-node" 60 kubectl_ wait --for=condition=Ready node/kwok-node --timeout=1s
}

watchdog() { # <owner pid>: stops the cluster once the owner is gone
  local owner="$1"
  setsid bash -c '
    while kill -0 "$1" 2>/dev/null; do sleep 2; done
    exec bash "$2" stop "$3"
  ' taskport-cluster-watchdog "$owner" "$HERE/cluster.sh" "$DIR" >"$DIR/logs/watchdog.log" 2>&1 </dev/null &
  echo $! >"$DIR/pids/watchdog"
}

start_cluster() {
  local with_kubelet=0 with_kwok=0 owner=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --kubelet) with_kubelet=1 ;;
      --kwok) with_kwok=1 ;;
      --owner) owner="$2"; shift ;;
      --apiserver-arg) APISERVER_EXTRA+=("$2"); shift ;;
      *) usage ;;
    esac
    shift
  done
  [ "$(id -u)" = 0 ] || [ "$with_kubelet" = 0 ] || die "the kubelet node needs root (containers, mounts, a bridge)"
  mkdir -p "$DIR"
  DIR="$(cd "$DIR" && pwd)"
  [ -z "$(ls -A "$DIR")" ] || die "$DIR is not empty"
  touch "$DIR/.taskport-cluster"
  mkdir -p "$DIR/logs" "$DIR/pids"
  local started
  started=$(date +%s%N)
  # From here on, any failure stops what was started.
  trap 'log "start failed; stopping what was started"; stop_cluster "$DIR"' ERR
  set -E
  # TASKPORT_K8S_BIN: a directory holding the binaries already (skips the build check).
  BIN="${TASKPORT_K8S_BIN:-$(bash "$HERE/build-binaries.sh")}"
  [ -n "$owner" ] && watchdog "$owner"
  API_PORT=$(free_port)
  make_pki
  start_control_plane
  [ "$with_kubelet" = 1 ] && start_kubelet_node
  [ "$with_kwok" = 1 ] && start_kwok_node
  trap - ERR
  cat >"$DIR/cluster.env" <<EOF
KUBECONFIG=$DIR/kubeconfig
TASKPORT_K8S_API=https://127.0.0.1:$API_PORT
TASKPORT_K8S_CA=$DIR/pki/ca.crt
TASKPORT_K8S_BIN=$BIN
TASKPORT_K8S_KUBELET=$with_kubelet
TASKPORT_K8S_KWOK=$with_kwok
TASKPORT_K8S_START_MS=$(( ($(date +%s%N) - started) / 1000000 ))
EOF
  log "cluster up in $(( ($(date +%s%N) - started) / 1000000 )) ms (kubelet: $with_kubelet, kwok: $with_kwok)"
  cat "$DIR/cluster.env"
}

APISERVER_EXTRA=()
[ $# -ge 2 ] || usage
command="$1"
DIR="$2"
shift 2
case "$command" in
  start) start_cluster "$@" ;;
  stop) stop_cluster "$DIR" ;;
  *) usage ;;
esac

# Versions of the test cluster's binaries. Sourced by build-binaries.sh and read by the cluster harness.
# Kubernetes v1.X.Y goes with its staging modules at v0.X.Y; kwok v0.8.0 is built against Kubernetes 0.36.x and
# etcd v3.6.8 is the version Kubernetes v1.36.3 itself requires.
TASKPORT_K8S_VERSION=v1.36.3
TASKPORT_ETCD_VERSION=v3.6.8
TASKPORT_KWOK_VERSION=v0.8.0

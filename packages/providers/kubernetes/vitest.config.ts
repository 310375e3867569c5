import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds the cluster binaries once (cached outside the checkout) and starts a real cluster on loopback
    // for the run - etcd, kube-apiserver, controller-manager, scheduler, containerd and a kubelet - then
    // stops it by pid. Tests read its kubeconfig with inject('kubeconfig').
    globalSetup: ['./test/support/global-setup.ts'],
    reporters: ['verbose'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One cluster on a small machine: test files run one at a time.
    fileParallelism: false,
  },
});

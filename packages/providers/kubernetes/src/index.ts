export { ConfigMaps, labelHash, RECORD_LABELS } from './configmap-records.js';
export {
  ANNOTATIONS,
  buildJob,
  buildSecret,
  cpuQuantity,
  fingerprintOf,
  jobNameFor,
  LABELS,
  memoryQuantity,
  SECRET_REFERENCE,
  splitSecrets,
} from './job-spec.js';
export { describeJob, FAILED_TO_START_REASONS } from './job-status.js';
export { jsonLine, KubernetesBackendLogger } from './kubernetes-backend-logger.js';
export { KubernetesBackendObservability } from './kubernetes-backend-observability.js';
export { DEFAULT_KUBERNETES_RETRY, kubernetesCall } from './kubernetes-call.js';
export {
  type KubernetesClients,
  kubernetesClients,
  loadKubeConfig,
  parseKubernetesOptions,
  resolveKubernetesOptions,
} from './kubernetes-clients.js';
export { classifyKubernetesError, PROVIDER, translateKubernetesError } from './kubernetes-errors.js';
export { executionConfigMapName, KubernetesExecutionStore } from './kubernetes-execution-store.js';
export {
  DEFAULT_IMAGE_CONFIGMAP,
  imageConfigMapName,
  KubernetesImageRegistry,
} from './kubernetes-image-registry.js';
export { KubernetesLogAggregator } from './kubernetes-log-aggregator.js';
export {
  DNS_LABEL,
  DNS_SUBDOMAIN,
  type KubernetesOptionSection,
  type KubernetesOptions,
  type KubernetesOptionsInput,
  kubernetesOptionEnv,
  kubernetesOptionsSchema,
} from './kubernetes-options.js';
export { taskportProvider } from './kubernetes-provider.js';
export { TASKPORT_RBAC_RULES, taskportRole, taskportRoleBinding } from './kubernetes-rbac.js';
export { type SetupResult, setupKubernetesNamespace } from './kubernetes-setup.js';
export { KUBELET_MINIMUM_GRACE_SECONDS, KubernetesTaskExecutor } from './kubernetes-task-executor.js';

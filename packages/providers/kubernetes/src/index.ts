export {
  ANNOTATIONS,
  buildJob,
  buildSecret,
  cpuQuantity,
  jobNameFor,
  LABELS,
  memoryQuantity,
  SECRET_REFERENCE,
  splitSecrets,
} from './job-spec.js';
export { describeJob } from './job-status.js';
export { jsonLine, KubernetesBackendLogger } from './kubernetes-backend-logger.js';
export { KubernetesBackendObservability } from './kubernetes-backend-observability.js';
export { DEFAULT_RETRY, kubernetesCall, type RetryPolicy } from './kubernetes-call.js';
export { classifyKubernetesError, PROVIDER, translateKubernetesError } from './kubernetes-errors.js';
export { executionConfigMapName, KubernetesExecutionStore } from './kubernetes-execution-store.js';
export {
  DEFAULT_IMAGE_CONFIGMAP,
  imageConfigMapName,
  KubernetesImageRegistry,
} from './kubernetes-image-registry.js';
export { KubernetesLogAggregator } from './kubernetes-log-aggregator.js';
export {
  KUBERNETES_OPTION_ENV,
  type KubernetesClients,
  type KubernetesOptions,
  type KubernetesOptionsInput,
  kubernetesClients,
  kubernetesOptionsSchema,
  loadKubeConfig,
  parseKubernetesOptions,
} from './kubernetes-options.js';
export { TASKPORT_RBAC_RULES, taskportRole, taskportRoleBinding } from './kubernetes-rbac.js';
export { KubernetesTaskExecutor } from './kubernetes-task-executor.js';

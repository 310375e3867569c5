import {
  booleanSetting,
  integerSetting,
  listSetting,
  type RetryPolicy,
  textSetting,
} from '@taskport/provider-utils';
import * as v from 'valibot';

/*
 * The `kubernetes:` section of taskport.yaml. This module loads no Kubernetes client code, so that
 * `@taskport/kubernetes/options` validates a section without loading `@kubernetes/client-node`.
 */

/** DNS-1123 label: namespaces, Job and container names. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** DNS-1123 subdomain: ServiceAccounts, Secrets. */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const describe = v.description;
const label = (max = 63) =>
  v.pipe(
    textSetting(DNS_LABEL, 'must be a DNS-1123 label (lowercase letters, digits and "-")'),
    v.maxLength(max, `must be at most ${max} characters`),
  );
const subdomain = () =>
  v.pipe(
    textSetting(DNS_SUBDOMAIN, 'must be a DNS-1123 subdomain (lowercase letters, digits, "-" and ".")'),
    v.maxLength(253, 'must be at most 253 characters'),
  );
const stringMap = () => v.record(v.string(), v.string('must be a string'));

function option<Schema extends v.GenericSchema>(schema: Schema, description: string) {
  return v.optional(v.pipe(schema, describe(description)));
}
function withDefault<Schema extends v.GenericSchema>(
  schema: Schema,
  fallback: v.InferOutput<Schema>,
  description: string,
) {
  return v.optional(v.pipe(schema, describe(description)), fallback as never);
}

const toleration = v.strictObject({
  key: v.optional(v.string()),
  operator: v.optional(v.picklist(['Exists', 'Equal'])),
  value: v.optional(v.string()),
  effect: v.optional(v.picklist(['NoSchedule', 'PreferNoSchedule', 'NoExecute'])),
  tolerationSeconds: v.optional(v.pipe(v.number(), v.integer())),
});

const retryPolicySchema = v.strictObject({
  maxAttempts: v.optional(integerSetting(1, 100)),
  baseDelayMs: v.optional(integerSetting(0, 60_000)),
  throttleBaseDelayMs: v.optional(integerSetting(0, 60_000)),
  maxDelayMs: v.optional(integerSetting(0, 600_000)),
  budgetMs: v.optional(integerSetting(0, 3_600_000)),
});

export const kubernetesOptionsSchema = v.strictObject({
  kubeconfig: option(
    textSetting(),
    'Path of a kubeconfig file. Falls back to KUBECONFIG, then ~/.kube/config, then in-cluster.',
  ),
  context: option(
    textSetting(),
    'kubeconfig context. Falls back to TASKPORT_KUBERNETES_CONTEXT, then the current context.',
  ),
  inCluster: withDefault(
    booleanSetting(),
    false,
    "Use the pod's service account (in-cluster config) and ignore kubeconfig files.",
  ),
  namespace: option(
    label(),
    "Namespace of Jobs, Secrets, ConfigMaps and Events. Falls back to TASKPORT_KUBERNETES_NAMESPACE, then the context's namespace, then default.",
  ),
  serviceAccount: option(
    subdomain(),
    "ServiceAccount of task pods whose image names no permissions.taskRole (default: the namespace's default).",
  ),
  jobRetentionSeconds: withDefault(
    integerSetting(0, 31_536_000),
    3600,
    'ttlSecondsAfterFinished of every Job: how long a finished Job, its pod and its logs are kept.',
  ),
  jobNamePrefix: withDefault(label(40), 'taskport', 'Prefix of Job names (<prefix>-<16 hex>).'),
  containerName: withDefault(label(), 'task', "Name of the task's container in the pod."),
  imagePullPolicy: option(
    v.picklist(['Always', 'IfNotPresent', 'Never']),
    "imagePullPolicy of the task container (default: Kubernetes' own).",
  ),
  imagePullSecrets: withDefault(listSetting(), [], 'Secrets used to pull task images.'),
  nodeSelector: withDefault(
    stringMap(),
    {},
    'Added to the node selector of every task pod (next to kubernetes.io/arch).',
  ),
  tolerations: withDefault(v.array(toleration), [], 'Tolerations of every task pod.'),
  terminationGracePeriodSeconds: option(
    integerSetting(0, 3600),
    "Seconds between SIGTERM and SIGKILL when a task is killed or times out (default: Kubernetes' 30).",
  ),
  podLabels: withDefault(stringMap(), {}, 'Extra labels of every task pod.'),
  podAnnotations: withDefault(stringMap(), {}, 'Extra annotations of every task pod.'),
  retry: option(retryPolicySchema, 'Retries of throttled (429) and failed (5xx) API calls.'),
});

/** The section after schema validation (defaults applied; the namespace may still be unresolved). */
export type KubernetesOptionSection = v.InferOutput<typeof kubernetesOptionsSchema>;

/** What callers may write: every key is optional. */
export type KubernetesOptionsInput = v.InferInput<typeof kubernetesOptionsSchema>;

/** Options as the adapters use them: the namespace resolved (see `resolveKubernetesOptions`). */
export type KubernetesOptions = Omit<KubernetesOptionSection, 'namespace' | 'retry'> & {
  namespace: string;
  retry?: RetryPolicy | undefined;
};

/** The `kubernetes.*` options fall back to these environment variables. */
export const kubernetesOptionEnv = {
  kubeconfig: 'KUBECONFIG',
  context: 'TASKPORT_KUBERNETES_CONTEXT',
  namespace: 'TASKPORT_KUBERNETES_NAMESPACE',
} as const;

/** The light `@taskport/kubernetes/options` entry: the schema and its environment variables, no client. */
export { kubernetesOptionEnv as optionEnv, kubernetesOptionsSchema as optionsSchema };

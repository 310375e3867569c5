import {
  booleanSetting,
  integerSetting,
  listSetting,
  type RetryPolicy,
  textSetting,
} from '@taskport/provider-utils';
import { z } from 'zod';

/*
 * The `kubernetes:` section of taskport.yaml. This module loads no Kubernetes client code, so that
 * `@taskport/kubernetes/options` validates a section without loading `@kubernetes/client-node`.
 */

/** DNS-1123 label: namespaces, Job and container names. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** DNS-1123 subdomain: ServiceAccounts, Secrets. */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const label = (max = 63) =>
  textSetting()
    .max(max, `must be at most ${max} characters`)
    .regex(DNS_LABEL, 'must be a DNS-1123 label (lowercase letters, digits and "-")');
const subdomain = () =>
  textSetting()
    .max(253)
    .regex(DNS_SUBDOMAIN, 'must be a DNS-1123 subdomain (lowercase letters, digits, "-" and ".")');
const stringMap = () => z.record(z.string(), z.string());

const toleration = z.strictObject({
  key: z.string().optional(),
  operator: z.enum(['Exists', 'Equal']).optional(),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
  tolerationSeconds: z.int().optional(),
});

const retryPolicySchema = z.strictObject({
  maxAttempts: integerSetting(1, 100).optional(),
  baseDelayMs: integerSetting(0, 60_000).optional(),
  throttleBaseDelayMs: integerSetting(0, 60_000).optional(),
  maxDelayMs: integerSetting(0, 600_000).optional(),
  budgetMs: integerSetting(0, 3_600_000).optional(),
});

export const kubernetesOptionsSchema = z.strictObject({
  kubeconfig: textSetting().optional().meta({
    description: 'Path of a kubeconfig file. Falls back to KUBECONFIG, then ~/.kube/config, then in-cluster.',
  }),
  context: textSetting().optional().meta({
    description: 'kubeconfig context. Falls back to TASKPORT_KUBERNETES_CONTEXT, then the current context.',
  }),
  inCluster: booleanSetting()
    .default(false)
    .meta({ description: "Use the pod's service account (in-cluster config) and ignore kubeconfig files." }),
  namespace: label().optional().meta({
    description:
      "Namespace of Jobs, Secrets, ConfigMaps and Events. Falls back to TASKPORT_KUBERNETES_NAMESPACE, then the context's namespace, then default.",
  }),
  serviceAccount: subdomain().optional().meta({
    description:
      "ServiceAccount of task pods whose image names no permissions.taskRole (default: the namespace's default).",
  }),
  jobRetentionSeconds: integerSetting(0, 31_536_000).default(3600).meta({
    description:
      'ttlSecondsAfterFinished of every Job: how long a finished Job, its pod and its logs are kept.',
  }),
  jobNamePrefix: label(40)
    .default('taskport')
    .meta({ description: 'Prefix of Job names (<prefix>-<16 hex>).' }),
  containerName: label().default('task').meta({ description: "Name of the task's container in the pod." }),
  imagePullPolicy: z
    .enum(['Always', 'IfNotPresent', 'Never'])
    .optional()
    .meta({ description: "imagePullPolicy of the task container (default: Kubernetes' own)." }),
  imagePullSecrets: listSetting().default([]).meta({ description: 'Secrets used to pull task images.' }),
  nodeSelector: stringMap()
    .default({})
    .meta({ description: 'Added to the node selector of every task pod (next to kubernetes.io/arch).' }),
  tolerations: z.array(toleration).default([]).meta({ description: 'Tolerations of every task pod.' }),
  terminationGracePeriodSeconds: integerSetting(0, 3600).optional().meta({
    description:
      "Seconds between SIGTERM and SIGKILL when a task is killed or times out (default: Kubernetes' 30).",
  }),
  podLabels: stringMap().default({}).meta({ description: 'Extra labels of every task pod.' }),
  podAnnotations: stringMap().default({}).meta({ description: 'Extra annotations of every task pod.' }),
  retry: retryPolicySchema
    .optional()
    .meta({ description: 'Retries of throttled (429) and failed (5xx) API calls.' }),
});

/** The section after schema validation (defaults applied; the namespace may still be unresolved). */
export type KubernetesOptionSection = z.output<typeof kubernetesOptionsSchema>;

/** What callers may write: every key is optional. */
export type KubernetesOptionsInput = z.input<typeof kubernetesOptionsSchema>;

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

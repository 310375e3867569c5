import { BatchV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { ConfigurationError } from '@taskport/core';
import { z } from 'zod';
import { DEFAULT_RETRY, type RetryPolicy } from './kubernetes-call.js';
import { PROVIDER } from './kubernetes-errors.js';

/** DNS-1123 label: namespaces, Job and container names. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** DNS-1123 subdomain: ServiceAccounts, Secrets. */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const label = (what: string) =>
  z
    .string()
    .max(63)
    .regex(DNS_LABEL, `${what} must be a DNS-1123 label (lowercase letters, digits and '-', at most 63)`);
const subdomain = (what: string) =>
  z
    .string()
    .max(253)
    .regex(DNS_SUBDOMAIN, `${what} must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.')`);

const toleration = z.strictObject({
  key: z.string().optional(),
  operator: z.enum(['Exists', 'Equal']).optional(),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
  tolerationSeconds: z.number().int().optional(),
});

/** The `kubernetes:` section of the deployment config. Every field has a default or an environment fallback. */
export const kubernetesOptionsSchema = z.strictObject({
  /** Path of a kubeconfig file. Falls back to `KUBECONFIG`, then `~/.kube/config`, then in-cluster. */
  kubeconfig: z.string().min(1).optional(),
  /** kubeconfig context to use. Falls back to `TASKPORT_KUBERNETES_CONTEXT`, then the current context. */
  context: z.string().min(1).optional(),
  /** Use the pod's service account (in-cluster config) and ignore kubeconfig files. @default false */
  inCluster: z.boolean().default(false),
  /** Namespace of Jobs, Secrets, ConfigMaps and Events. Falls back to `TASKPORT_KUBERNETES_NAMESPACE`, then the context's namespace, then `default`. */
  namespace: label('namespace').optional(),
  /** ServiceAccount of task pods whose image names no `permissions.taskRole`. @default the namespace's `default` */
  serviceAccount: subdomain('serviceAccount').optional(),
  /** `ttlSecondsAfterFinished` of every Job: how long a finished Job, its pod and its logs are kept. @default 3600 */
  jobRetentionSeconds: z.number().int().min(0).max(31_536_000).default(3600),
  /** Prefix of Job names (`<prefix>-<16 hex>`). @default 'taskport' */
  jobNamePrefix: label('jobNamePrefix').max(40).default('taskport'),
  /** Name of the task's container in the pod. @default 'task' */
  containerName: label('containerName').default('task'),
  /** imagePullPolicy of the task container. @default Kubernetes' own (Always for :latest, else IfNotPresent) */
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
  /** Secrets (of type kubernetes.io/dockerconfigjson) used to pull task images. @default [] */
  imagePullSecrets: z.array(subdomain('imagePullSecrets[]')).default([]),
  /** Added to the node selector of every task pod (next to `kubernetes.io/arch` from the image's platform). @default {} */
  nodeSelector: z.record(z.string(), z.string()).default({}),
  /** Tolerations of every task pod. @default [] */
  tolerations: z.array(toleration).default([]),
  /** Seconds between SIGTERM and SIGKILL when a task is killed or times out. @default Kubernetes' 30 */
  terminationGracePeriodSeconds: z.number().int().min(0).max(3600).optional(),
  /** Extra labels of every task pod. @default {} */
  podLabels: z.record(z.string(), z.string()).default({}),
  /** Extra annotations of every task pod. @default {} */
  podAnnotations: z.record(z.string(), z.string()).default({}),
  /** Retries of throttled (429) and failed (5xx) API calls. */
  retry: z
    .strictObject({
      budgetMs: z.number().int().min(0).max(600_000).default(DEFAULT_RETRY.budgetMs),
      baseDelayMs: z.number().int().min(1).max(60_000).default(DEFAULT_RETRY.baseDelayMs),
      maxDelayMs: z.number().int().min(1).max(60_000).default(DEFAULT_RETRY.maxDelayMs),
    })
    .optional(),
});

/** Options as written in the config (defaults not applied). */
export type KubernetesOptionsInput = z.input<typeof kubernetesOptionsSchema>;

/** Options after parsing: defaults applied, the namespace resolved. */
export type KubernetesOptions = Omit<z.output<typeof kubernetesOptionsSchema>, 'namespace' | 'retry'> & {
  namespace: string;
  retry: RetryPolicy;
};

/** Environment variables the options fall back to. */
export const KUBERNETES_OPTION_ENV = {
  kubeconfig: 'KUBECONFIG',
  context: 'TASKPORT_KUBERNETES_CONTEXT',
  namespace: 'TASKPORT_KUBERNETES_NAMESPACE',
} as const;

/**
 * Validates the options ("argument first, then environment") and resolves the namespace from the
 * kubeconfig context when none is given. Throws ConfigurationError naming the key and the fix.
 */
export function parseKubernetesOptions(
  raw: unknown,
  env: Record<string, string | undefined> = process.env,
): KubernetesOptions {
  const input = { ...((raw ?? {}) as Record<string, unknown>) };
  for (const [key, name] of Object.entries(KUBERNETES_OPTION_ENV)) {
    if (input[key] === undefined && env[name]) input[key] = env[name];
  }
  const parsed = kubernetesOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path.join('.') || '(options)';
    throw new ConfigurationError(`option ${key}: ${issue.message}`, {
      provider: PROVIDER,
      details: { key },
    });
  }
  const { namespace, retry, ...rest } = parsed.data;
  return {
    ...rest,
    namespace: namespace ?? contextNamespace(parsed.data) ?? 'default',
    retry: retry ?? DEFAULT_RETRY,
  };
}

function contextNamespace(options: {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  inCluster: boolean;
}) {
  if (options.inCluster) return undefined;
  try {
    const config = loadKubeConfig(options);
    return config.getContextObject(config.getCurrentContext())?.namespace;
  } catch {
    return undefined;
  }
}

/** Loads the kubeconfig the options name: in-cluster, a file, or the default chain. */
export function loadKubeConfig(options: {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  inCluster?: boolean;
}): KubeConfig {
  const config = new KubeConfig();
  try {
    if (options.inCluster) config.loadFromCluster();
    else if (options.kubeconfig) config.loadFromFile(options.kubeconfig);
    else config.loadFromDefault();
  } catch (error) {
    throw new ConfigurationError(
      `could not load the kubeconfig${options.kubeconfig ? ` ${options.kubeconfig}` : ''}: ${(error as Error).message}. Set kubernetes.kubeconfig (or KUBECONFIG), or inCluster: true inside a pod`,
      { provider: PROVIDER, cause: error, details: { key: 'kubeconfig' } },
    );
  }
  if (options.context) {
    if (!config.getContextObject(options.context)) {
      throw new ConfigurationError(
        `context "${options.context}" is not in the kubeconfig; it has ${
          config
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'none'
        }`,
        { provider: PROVIDER, details: { key: 'context' } },
      );
    }
    config.setCurrentContext(options.context);
  }
  if (!config.getCurrentCluster()) {
    throw new ConfigurationError(
      'the kubeconfig names no cluster for its current context; set kubernetes.context or kubernetes.kubeconfig',
      { provider: PROVIDER, details: { key: 'context' } },
    );
  }
  return config;
}

/** The API clients the adapters use; pass your own (e.g. built from a KubeConfig in memory). */
export interface KubernetesClients {
  kubeConfig: KubeConfig;
  batch: BatchV1Api;
  core: CoreV1Api;
}

export function kubernetesClients(
  options: Pick<KubernetesOptions, 'kubeconfig' | 'context' | 'inCluster'>,
): KubernetesClients {
  const kubeConfig = loadKubeConfig(options);
  return {
    kubeConfig,
    batch: kubeConfig.makeApiClient(BatchV1Api),
    core: kubeConfig.makeApiClient(CoreV1Api),
  };
}

/**
 * client-node 2.0 builds a new undici Agent for every request (KubeConfig.createDispatcher), so no
 * connection is reused and every call pays a TLS handshake - hundreds of concurrent starts then open
 * hundreds of sockets. The dispatcher depends only on the cluster and the user's TLS material, which do
 * not change for a KubeConfig, so one is built once and shared by every call of these clients.
 */
function reuseConnections(config: KubeConfig): KubeConfig {
  const target = config as unknown as { createDispatcher?: (...args: unknown[]) => unknown };
  const original = target.createDispatcher?.bind(config);
  if (!original) return config;
  let shared: unknown;
  target.createDispatcher = (...args: unknown[]) => {
    shared ??= original(...args);
    return shared;
  };
  return config;
}

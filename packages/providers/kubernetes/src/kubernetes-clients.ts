import { BatchV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { ConfigurationError } from '@taskport/core';
import { parseProviderOptions } from '@taskport/provider-utils';
import { PROVIDER } from './kubernetes-errors.js';
import {
  type KubernetesOptionSection,
  type KubernetesOptions,
  kubernetesOptionEnv,
  kubernetesOptionsSchema,
} from './kubernetes-options.js';

/** The API clients the adapters use; pass your own (e.g. built from a KubeConfig in memory). */
export interface KubernetesClients {
  kubeConfig: KubeConfig;
  batch: BatchV1Api;
  core: CoreV1Api;
}

type KubeConfigSource = Pick<KubernetesOptionSection, 'kubeconfig' | 'context' | 'inCluster'>;

/**
 * Validates options ("argument first, then environment"), applies defaults and resolves the namespace
 * (the option, else the kubeconfig context's namespace, else `default`).
 * @throws ConfigurationError naming the key
 */
export function parseKubernetesOptions(
  raw: unknown,
  env: Readonly<Record<string, string | undefined>> = {},
): KubernetesOptions {
  const section = parseProviderOptions(kubernetesOptionsSchema, raw, {
    provider: PROVIDER,
    env,
    optionEnv: kubernetesOptionEnv,
  }) as KubernetesOptionSection;
  return resolveKubernetesOptions(section);
}

const resolved = new WeakMap<object, KubernetesOptions>();

/** The options with their namespace resolved; the same object for the same section. */
export function resolveKubernetesOptions(
  section: KubernetesOptionSection | KubernetesOptions,
): KubernetesOptions {
  const cached = resolved.get(section);
  if (cached) return cached;
  let namespace = section.namespace;
  if (!namespace && !section.inCluster) {
    try {
      const config = loadKubeConfig(section);
      namespace = config.getContextObject(config.getCurrentContext())?.namespace;
    } catch {
      namespace = undefined;
    }
  }
  const options = { ...section, namespace: namespace || 'default' } as KubernetesOptions;
  resolved.set(section, options);
  resolved.set(options, options);
  return options;
}

/** Loads the kubeconfig the options name: in-cluster, a file, or the default chain. */
export function loadKubeConfig(options: KubeConfigSource): KubeConfig {
  const config = new KubeConfig();
  try {
    if (options.inCluster) config.loadFromCluster();
    else if (options.kubeconfig) config.loadFromFile(options.kubeconfig);
    else config.loadFromDefault();
  } catch (error) {
    throw new ConfigurationError(
      `could not load the kubeconfig${options.kubeconfig ? ` ${options.kubeconfig}` : ''}: ${(error as Error).message}. Set kubernetes.kubeconfig (or KUBECONFIG), or inCluster: true inside a pod`,
      { provider: PROVIDER, cause: error, details: { key: 'kubernetes.kubeconfig' } },
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
        { provider: PROVIDER, details: { key: 'kubernetes.context' } },
      );
    }
    config.setCurrentContext(options.context);
  }
  if (!config.getCurrentCluster()) {
    throw new ConfigurationError(
      'the kubeconfig names no cluster for its current context; set kubernetes.context or kubernetes.kubeconfig',
      { provider: PROVIDER, details: { key: 'kubernetes.context' } },
    );
  }
  return config;
}

const built = new WeakMap<object, KubernetesClients>();

/** The clients for these options, built once per options object and shared by the ports. */
export function kubernetesClients(options: KubeConfigSource): KubernetesClients {
  const cached = built.get(options);
  if (cached) return cached;
  const kubeConfig = reuseConnections(loadKubeConfig(options));
  const clients = {
    kubeConfig,
    batch: kubeConfig.makeApiClient(BatchV1Api),
    core: kubeConfig.makeApiClient(CoreV1Api),
  };
  built.set(options, clients);
  return clients;
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

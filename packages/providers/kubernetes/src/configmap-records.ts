import { createHash } from 'node:crypto';
import type { V1ConfigMap, V1ConfigMapList } from '@kubernetes/client-node';
import { ProviderError } from '@taskport/core';
import { kubernetesCall } from './kubernetes-call.js';
import type { KubernetesClients } from './kubernetes-clients.js';
import { apiFailure, PROVIDER, translateKubernetesError } from './kubernetes-errors.js';
import type { KubernetesOptions } from './kubernetes-options.js';

/**
 * Records kept as labelled ConfigMaps in the cluster's own store (see docs/adr/034-k8s-store-on-configmaps.md):
 * the JSON record in `data.record`, the fields that are looked up or filtered on as labels. Label values
 * may only hold 63 safe characters, so values that can hold anything (ids, request ids, references) are
 * labelled by a hash of their value and the match is confirmed on the record itself.
 */
export const RECORD_LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  kind: 'taskport.dev/kind',
  status: 'taskport.dev/status',
  id: 'taskport.dev/id-hash',
  createdByRequest: 'taskport.dev/request-hash',
  modifiedByRequest: 'taskport.dev/modified-request-hash',
  idempotencyKey: 'taskport.dev/idempotency-hash',
  reference: 'taskport.dev/reference-hash',
  image: 'taskport.dev/image-hash',
} as const;

export type RecordKind = 'execution' | 'image' | 'default-image' | 'idempotency-key';

/** 40 hex of sha256: a label value that stands for any string. */
export function labelHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 40);
}

export function recordLabels(kind: RecordKind, extra: Record<string, string> = {}): Record<string, string> {
  return { [RECORD_LABELS.managedBy]: 'taskport', [RECORD_LABELS.kind]: kind, ...extra };
}

export function selector(kind: RecordKind, extra: string[] = []): string {
  return [`${RECORD_LABELS.managedBy}=taskport`, `${RECORD_LABELS.kind}=${kind}`, ...extra].join(',');
}

/** The JSON record of a ConfigMap made by these adapters. */
export function recordOf<T>(configMap: V1ConfigMap, operation: string): T {
  const text = configMap.data?.record;
  try {
    if (text === undefined) throw new Error('no data.record');
    return JSON.parse(text) as T;
  } catch (error) {
    throw new ProviderError(
      `ConfigMap ${configMap.metadata?.namespace}/${configMap.metadata?.name} is not a taskport record (${(error as Error).message}); it was changed by hand`,
      { provider: PROVIDER, operation, cause: error },
    );
  }
}

/** ConfigMap calls of one namespace, with retries and translated errors. */
export class ConfigMaps {
  constructor(
    private readonly options: Pick<KubernetesOptions, 'namespace' | 'retry'>,
    private readonly clients: KubernetesClients,
    private readonly operationPrefix: string,
  ) {}

  get namespace(): string {
    return this.options.namespace;
  }

  private run<T>(
    operation: string,
    call: Parameters<typeof kubernetesCall<T>>[1],
    signal: AbortSignal | undefined,
    raw = false,
  ) {
    return kubernetesCall(`${this.operationPrefix}.${operation}`, call, {
      signal,
      retry: this.options.retry,
      raw,
      what: `ConfigMaps in ${this.options.namespace}`,
    });
  }

  read(operation: string, name: string, signal?: AbortSignal) {
    return this.run(
      operation,
      (o) => this.clients.core.readNamespacedConfigMap({ name, namespace: this.namespace }, o),
      signal,
    );
  }

  /** Creates; rejects with the client's own error (callers look at 409). */
  createRaw(operation: string, body: V1ConfigMap, signal?: AbortSignal) {
    return this.run(
      operation,
      (o) => this.clients.core.createNamespacedConfigMap({ namespace: this.namespace, body }, o),
      signal,
      true,
    );
  }

  /** Replaces, conditional on `body.metadata.resourceVersion`; rejects with the client's own error on 409. */
  replaceRaw(operation: string, body: V1ConfigMap, signal?: AbortSignal) {
    return this.run(
      operation,
      (o) =>
        this.clients.core.replaceNamespacedConfigMap(
          { name: body.metadata!.name!, namespace: this.namespace, body },
          o,
        ),
      signal,
      true,
    );
  }

  delete(operation: string, name: string, resourceVersion: string | undefined, signal?: AbortSignal) {
    return this.run(
      operation,
      (o) =>
        this.clients.core.deleteNamespacedConfigMap(
          {
            name,
            namespace: this.namespace,
            body: resourceVersion ? { preconditions: { resourceVersion } } : {},
          },
          o,
        ),
      signal,
    );
  }

  /**
   * One page of a labelled list. A `continue` token that has expired (410, after etcd compaction) is
   * replaced by the one the server sends with the error, which goes on from the same key.
   */
  async page(
    operation: string,
    labelSelector: string,
    limit: number | undefined,
    continueToken: string | undefined,
    signal?: AbortSignal,
  ): Promise<V1ConfigMapList> {
    const list = (token: string | undefined) =>
      this.run(
        operation,
        (o) =>
          this.clients.core.listNamespacedConfigMap(
            {
              namespace: this.namespace,
              labelSelector,
              ...(limit !== undefined ? { limit } : {}),
              ...(token ? { _continue: token } : {}),
            },
            o,
          ),
        signal,
        true,
      );
    try {
      return await list(continueToken);
    } catch (error) {
      const failure = apiFailure(error);
      if (failure?.status === 410 && failure.continueToken) return list(failure.continueToken);
      throw error;
    }
  }

  /** Every item of a labelled list (all pages). */
  async all(operation: string, labelSelector: string, signal?: AbortSignal): Promise<V1ConfigMap[]> {
    const items: V1ConfigMap[] = [];
    let token: string | undefined;
    do {
      const page = await this.translate(operation, () =>
        this.page(operation, labelSelector, 500, token, signal),
      );
      items.push(...page.items);
      token = page.metadata?._continue || undefined;
    } while (token);
    return items;
  }

  /** Runs a raw call and translates its error. */
  async translate<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw translateKubernetesError(
        error,
        `${this.operationPrefix}.${operation}`,
        `ConfigMaps in ${this.namespace}`,
      );
    }
  }
}

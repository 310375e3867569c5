import type { V1ConfigMap } from '@kubernetes/client-node';
import {
  ConflictError,
  canTransition,
  type Execution,
  type ExecutionPage,
  type ExecutionStatusUpdate,
  type ExecutionStore,
  isExecutionStatus,
  type ListExecutionsQuery,
  NotFoundError,
  type OperationOptions,
  ValidationError,
} from '@taskport/core';
import {
  ConfigMaps,
  labelHash,
  RECORD_LABELS,
  recordLabels,
  recordOf,
  selector,
} from './configmap-records.js';
import type { KubernetesClients } from './kubernetes-clients.js';
import { isStatus, PROVIDER } from './kubernetes-errors.js';
import type { KubernetesOptions } from './kubernetes-options.js';

const PORT = 'ExecutionStore';
/** 10^13 ms is the year 2286: the inverted creation time always fits 13 digits. */
const TIME_SPAN = 10_000_000_000_000;

/**
 * The name of an execution's ConfigMap: `tpx-<13 digits of inverted createdAt>-<hash of the id>`. The API
 * server lists a namespace's ConfigMaps in name order, so this order is newest first, and `continue`
 * tokens page through it from a consistent snapshot - stable while records are inserted.
 */
export function executionConfigMapName(execution: Pick<Execution, 'executionId' | 'createdAt'>): string {
  const created = Math.min(Math.max(Date.parse(execution.createdAt), 0), TIME_SPAN - 1);
  const inverted = String(TIME_SPAN - 1 - created).padStart(13, '0');
  return `tpx-${inverted}-${labelHash(execution.executionId).slice(0, 24)}`;
}

/** Label keys of the requests that created or changed a record: `req.taskport.dev/<hash of the request id>`. */
const REQUEST_LABEL_PREFIX = 'req.taskport.dev/';
function requestLabel(requestId: string): string {
  return `${REQUEST_LABEL_PREFIX}${labelHash(requestId)}`;
}

/** The ConfigMap that holds a user's idempotency key: one per (createdBy, key), so one create wins. */
export function idempotencyClaimName(createdBy: string, idempotencyKey: string): string {
  return `tpk-${labelHash(`${createdBy}\n${idempotencyKey}`)}`;
}

interface Cursor {
  /** The API server's continue token. */
  c: string;
  /** The status filter the token was made for (a token only continues the same query). */
  s: string;
}

/**
 * Execution records as labelled ConfigMaps (one per execution, `data.record` holds the JSON). Status,
 * id, request ids and idempotency key are labels (hashed where the value could be anything), so lookups
 * and the status filter are label-selected lists; updates are conditional on the resourceVersion read.
 */
export class KubernetesExecutionStore implements ExecutionStore {
  readonly provider = PROVIDER;
  private readonly maps: ConfigMaps;

  constructor(options: KubernetesOptions, clients: KubernetesClients) {
    this.maps = new ConfigMaps(options, clients, PORT);
  }

  async create(execution: Execution, options: OperationOptions = {}): Promise<void> {
    const operation = `${PORT}.create`;
    options.signal?.throwIfAborted();
    if (!execution || typeof execution.executionId !== 'string' || execution.executionId === '') {
      throw new ValidationError('the execution needs an executionId', { provider: PROVIDER, operation });
    }
    if (Number.isNaN(Date.parse(execution.createdAt))) {
      throw new ValidationError('the execution needs an ISO 8601 createdAt', {
        provider: PROVIDER,
        operation,
      });
    }
    // The key is claimed first, by a ConfigMap named after (user, key): the API server lets one create win.
    const claimed = execution.idempotencyKey
      ? await this.claimKey(
          execution.createdBy,
          execution.idempotencyKey,
          execution.executionId,
          options.signal,
        )
      : undefined;
    const release = async () => {
      if (claimed) await this.maps.delete('create', claimed, undefined).catch(() => {});
    };
    if (await this.find(execution.executionId, 'create', options.signal)) {
      await release();
      throw this.exists(execution.executionId);
    }
    try {
      await this.maps.createRaw('create', this.configMap(execution), options.signal);
    } catch (error) {
      await release();
      if (isStatus(error, 409)) throw this.exists(execution.executionId);
      throw await this.maps.translate('create', () => Promise.reject(error));
    }
  }

  /**
   * Claims (createdBy, idempotencyKey) for `executionId`; returns the claim's name.
   * @throws ConflictError naming the execution that holds the key already
   */
  private async claimKey(createdBy: string, key: string, executionId: string, signal?: AbortSignal) {
    const name = idempotencyClaimName(createdBy, key);
    const body: V1ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: this.maps.namespace, labels: recordLabels('idempotency-key') },
      data: { executionId, createdBy, idempotencyKey: key },
    };
    try {
      await this.maps.createRaw('create', body, signal);
      return name;
    } catch (error) {
      if (!isStatus(error, 409)) throw await this.maps.translate('create', () => Promise.reject(error));
    }
    const holder = (await this.maps.read('create', name, signal)).data?.executionId ?? '';
    throw new ConflictError(
      `${createdBy} already started execution ${holder} with idempotency key ${key}; use a new key for a new request`,
      { provider: PROVIDER, operation: `${PORT}.create`, details: { existingExecutionId: holder } },
    );
  }

  async get(executionId: string, options: OperationOptions = {}): Promise<Execution> {
    options.signal?.throwIfAborted();
    const found = await this.find(executionId, 'get', options.signal);
    if (!found) throw this.missing(executionId, 'get');
    return found.execution;
  }

  async updateStatus(
    executionId: string,
    update: ExecutionStatusUpdate,
    options: OperationOptions = {},
  ): Promise<Execution> {
    const operation = `${PORT}.updateStatus`;
    options.signal?.throwIfAborted();
    if (!update || !isExecutionStatus(update.status)) {
      throw new ValidationError(
        `status must be one of STARTING, RUNNING, TERMINATING, SUCCEEDED, FAILED, STOPPED`,
        {
          provider: PROVIDER,
          operation,
        },
      );
    }
    for (;;) {
      const found = await this.find(executionId, 'updateStatus', options.signal);
      if (!found) throw this.missing(executionId, 'updateStatus');
      const current = found.execution;
      if (!canTransition(current.status, update.status)) {
        throw new ConflictError(
          `execution ${executionId} is ${current.status} and cannot become ${update.status}`,
          {
            provider: PROVIDER,
            operation,
            details: { current: current.status, requested: update.status },
          },
        );
      }
      const next: Execution = {
        ...current,
        status: update.status,
        ...(update.exitCode !== undefined ? { exitCode: update.exitCode } : {}),
        ...(update.stopCode !== undefined ? { stopCode: update.stopCode } : {}),
        ...(update.reason !== undefined ? { reason: update.reason } : {}),
        ...(update.startedAt !== undefined ? { startedAt: update.startedAt } : {}),
        ...(update.completedAt !== undefined ? { completedAt: update.completedAt } : {}),
        ...(update.requestId !== undefined ? { modifiedByRequestId: update.requestId } : {}),
      };
      const body = this.configMap(next);
      body.metadata!.resourceVersion = found.configMap.metadata!.resourceVersion!;
      for (const [key, value] of Object.entries(found.configMap.metadata?.labels ?? {})) {
        if (key.startsWith(REQUEST_LABEL_PREFIX)) body.metadata!.labels![key] = value;
      }
      try {
        await this.maps.replaceRaw('updateStatus', body, options.signal);
        return next;
      } catch (error) {
        // Another writer got there first: read again and decide on what it wrote.
        if (isStatus(error, 409)) continue;
        if (isStatus(error, 404)) throw this.missing(executionId, 'updateStatus');
        throw await this.maps.translate('updateStatus', () => Promise.reject(error));
      }
    }
  }

  async list(query: ListExecutionsQuery = {}): Promise<ExecutionPage> {
    const operation = `${PORT}.list`;
    query.signal?.throwIfAborted();
    const limit = query.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new ValidationError(`limit must be a whole number from 1 to 1000, got ${String(query.limit)}`, {
        provider: PROVIDER,
        operation,
        details: { field: 'limit' },
      });
    }
    const statuses = [...new Set(query.status ?? [])].sort();
    for (const status of statuses) {
      if (!isExecutionStatus(status)) {
        throw new ValidationError(`status filter "${String(status)}" is not an execution status`, {
          provider: PROVIDER,
          operation,
          details: { field: 'status' },
        });
      }
    }
    const filter = statuses.join(',');
    let token: string | undefined;
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor);
      if (!cursor || cursor.s !== filter) {
        throw new ValidationError(
          'cursor is not one this list returned (or was made for another status filter)',
          {
            provider: PROVIDER,
            operation,
            details: { field: 'cursor' },
          },
        );
      }
      token = cursor.c;
    }
    const labelSelector = selector(
      'execution',
      statuses.length > 0 ? [`${RECORD_LABELS.status} in (${filter})`] : [],
    );
    const page = await this.maps
      .page('list', labelSelector, limit, token, query.signal)
      .catch(async (error) => {
        if (isStatus(error, 400) && token) {
          throw new ValidationError(
            'cursor was not accepted by the API server; start the list again without it',
            {
              provider: PROVIDER,
              operation,
              cause: error,
              details: { field: 'cursor' },
            },
          );
        }
        throw await this.maps.translate('list', () => Promise.reject(error));
      });
    const items = page.items.map((configMap) => recordOf<Execution>(configMap, operation));
    const next = page.metadata?._continue;
    return { items, ...(next ? { nextCursor: encodeCursor({ c: next, s: filter }) } : {}) };
  }

  async findByIdempotencyKey(
    createdBy: string,
    idempotencyKey: string,
    options: OperationOptions = {},
  ): Promise<Execution | null> {
    options.signal?.throwIfAborted();
    let executionId: string | undefined;
    try {
      // A GET by name is a quorum read: a key that create accepted is found.
      const claim = await this.maps.read(
        'findByIdempotencyKey',
        idempotencyClaimName(createdBy, idempotencyKey),
        options.signal,
      );
      if (claim.data?.createdBy === createdBy && claim.data?.idempotencyKey === idempotencyKey) {
        executionId = claim.data.executionId;
      }
    } catch (error) {
      if (NotFoundError.isInstance(error)) return null;
      throw error;
    }
    if (!executionId) return null;
    const found = await this.find(executionId, 'findByIdempotencyKey', options.signal);
    return found?.execution ?? null;
  }

  /**
   * Retention: removes the record's ConfigMap (on the resourceVersion read, so a concurrent change is not
   * lost silently), then the claim of its idempotency key, which frees the key. The request labels went
   * with the record.
   */
  async delete(executionId: string, options: OperationOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    const found = await this.find(executionId, 'delete', options.signal);
    if (!found) throw this.missing(executionId, 'delete');
    const { metadata } = found.configMap;
    await this.maps.delete('delete', metadata!.name!, metadata?.resourceVersion, options.signal);
    const { createdBy, idempotencyKey } = found.execution;
    if (idempotencyKey) {
      await this.maps
        .delete('delete', idempotencyClaimName(createdBy, idempotencyKey), undefined, options.signal)
        .catch((error) => {
          if (!NotFoundError.isInstance(error)) throw error;
        });
    }
  }

  async listByRequestId(requestId: string, options: OperationOptions = {}): Promise<Execution[]> {
    options.signal?.throwIfAborted();
    // Every request that created or changed a record left its label on it (see requestLabel).
    const items = await this.maps.all(
      'listByRequestId',
      selector('execution', [requestLabel(requestId)]),
      options.signal,
    );
    return items
      .sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1))
      .map((configMap) => recordOf<Execution>(configMap, `${PORT}.listByRequestId`));
  }

  private async find(executionId: string, operation: string, signal?: AbortSignal) {
    if (typeof executionId !== 'string' || executionId === '') return undefined;
    const items = await this.maps.all(
      operation,
      selector('execution', [`${RECORD_LABELS.id}=${labelHash(executionId)}`]),
      signal,
    );
    for (const configMap of items) {
      const execution = recordOf<Execution>(configMap, `${PORT}.${operation}`);
      if (execution.executionId === executionId) return { configMap, execution };
    }
    return undefined;
  }

  private configMap(execution: Execution): V1ConfigMap {
    const labels: Record<string, string> = {
      [RECORD_LABELS.status]: execution.status,
      [RECORD_LABELS.id]: labelHash(execution.executionId),
      [RECORD_LABELS.createdByRequest]: labelHash(execution.requestId),
    };
    labels[requestLabel(execution.requestId)] = 'true';
    if (execution.modifiedByRequestId) {
      labels[RECORD_LABELS.modifiedByRequest] = labelHash(execution.modifiedByRequestId);
      labels[requestLabel(execution.modifiedByRequestId)] = 'true';
    }
    if (execution.idempotencyKey) labels[RECORD_LABELS.idempotencyKey] = labelHash(execution.idempotencyKey);
    return {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: executionConfigMapName(execution),
        namespace: this.maps.namespace,
        labels: recordLabels('execution', labels),
      },
      data: { record: JSON.stringify(execution) },
    };
  }

  private exists(executionId: string) {
    return new ConflictError(`an execution with id ${executionId} already exists`, {
      provider: PROVIDER,
      operation: `${PORT}.create`,
    });
  }

  private missing(executionId: string, operation: string) {
    return new NotFoundError(`no execution ${executionId} in namespace ${this.maps.namespace}`, {
      provider: PROVIDER,
      operation: `${PORT}.${operation}`,
    });
  }
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(text: string): Cursor | undefined {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<Cursor>;
    return typeof value.c === 'string' && value.c !== '' && typeof value.s === 'string'
      ? (value as Cursor)
      : undefined;
  } catch {
    return undefined;
  }
}

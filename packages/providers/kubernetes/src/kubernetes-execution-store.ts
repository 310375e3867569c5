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
    options.signal?.throwIfAborted();
    if (!execution || typeof execution.executionId !== 'string' || execution.executionId === '') {
      throw new ValidationError('the execution needs an executionId', {
        provider: PROVIDER,
        operation: `${PORT}.create`,
      });
    }
    if (Number.isNaN(Date.parse(execution.createdAt))) {
      throw new ValidationError('the execution needs an ISO 8601 createdAt', {
        provider: PROVIDER,
        operation: `${PORT}.create`,
      });
    }
    if (await this.find(execution.executionId, 'create', options.signal))
      throw this.exists(execution.executionId);
    try {
      await this.maps.createRaw('create', this.configMap(execution), options.signal);
    } catch (error) {
      if (isStatus(error, 409)) throw this.exists(execution.executionId);
      throw await this.maps.translate('create', () => Promise.reject(error));
    }
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
    idempotencyKey: string,
    options: OperationOptions = {},
  ): Promise<Execution | null> {
    options.signal?.throwIfAborted();
    const items = await this.maps.all(
      'findByIdempotencyKey',
      selector('execution', [`${RECORD_LABELS.idempotencyKey}=${labelHash(idempotencyKey)}`]),
      options.signal,
    );
    const matches = items
      .map((configMap) => recordOf<Execution>(configMap, `${PORT}.findByIdempotencyKey`))
      .filter((execution) => execution.idempotencyKey === idempotencyKey);
    return matches[0] ?? null;
  }

  async listByRequestId(requestId: string, options: OperationOptions = {}): Promise<Execution[]> {
    options.signal?.throwIfAborted();
    const hash = labelHash(requestId);
    const [created, modified] = await Promise.all([
      this.maps.all(
        'listByRequestId',
        selector('execution', [`${RECORD_LABELS.createdByRequest}=${hash}`]),
        options.signal,
      ),
      this.maps.all(
        'listByRequestId',
        selector('execution', [`${RECORD_LABELS.modifiedByRequest}=${hash}`]),
        options.signal,
      ),
    ]);
    const byName = new Map<string, Execution>();
    for (const configMap of [...created, ...modified]) {
      const execution = recordOf<Execution>(configMap, `${PORT}.listByRequestId`);
      if (execution.requestId === requestId || execution.modifiedByRequestId === requestId) {
        byName.set(configMap.metadata!.name!, execution);
      }
    }
    // Names sort newest first.
    return [...byName.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, execution]) => execution);
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
    if (execution.modifiedByRequestId)
      labels[RECORD_LABELS.modifiedByRequest] = labelHash(execution.modifiedByRequestId);
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

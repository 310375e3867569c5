import {
  ConflictError,
  canTransition,
  type Execution,
  type ExecutionStore,
  type ImageInfo,
  type ImageRegistry,
  type LogAggregator,
  NotFoundError,
  OrchestratorService,
  type TaskExecutor,
} from '@taskport/core';

/**
 * The Service over the ports a suite tests, with plain stand-ins for the others, so a contract test can
 * check what users see (`getExecutionStatus`, `streamLogs`, `runCommand`) on top of a real adapter.
 * The Service's grace for lost tasks is 0: the test decides when a task is forgotten.
 */
export function serviceOver(ports: {
  executor: TaskExecutor;
  image: ImageInfo;
  logs?: LogAggregator;
  store?: ExecutionStore;
}): OrchestratorService {
  return new OrchestratorService(
    {
      taskExecutor: ports.executor,
      imageRegistry: singleImageRegistry(ports.image),
      logAggregator: ports.logs ?? {
        provider: 'none',
        fetchLogsByExecutionId: async () => [],
        streamLogs: async function* () {},
      },
      backendObservability: { provider: 'none', fetchBackendLogs: async () => [] },
      executionStore: ports.store ?? new MemoryExecutionStore(),
    },
    { lostTaskGraceMs: 0 },
  );
}

/** A registry that knows one image, the default. */
function singleImageRegistry(image: ImageInfo): ImageRegistry {
  const info = { ...image, isDefault: true };
  const find = async (ref: string) => {
    if (ref === info.imageId || ref === info.image || ref === info.reference) return info;
    throw new NotFoundError(`no image ${ref}`);
  };
  return {
    provider: 'contract',
    registerImage: async () => info,
    listImages: async () => [info],
    getImage: find,
    removeImage: async () => {},
    getDefaultImage: async () => info,
    setDefaultImage: find,
  };
}

/** The smallest store that keeps the ExecutionStore promises the Service relies on. */
class MemoryExecutionStore implements ExecutionStore {
  readonly provider = 'contract';
  private readonly rows = new Map<string, Execution>();
  private readonly requests = new Map<string, Set<string>>();

  async create(execution: Execution) {
    if (this.rows.has(execution.executionId)) throw new ConflictError(`${execution.executionId} exists`);
    const key = execution.idempotencyKey;
    if (
      key &&
      [...this.rows.values()].some((r) => r.createdBy === execution.createdBy && r.idempotencyKey === key)
    ) {
      throw new ConflictError(`idempotency key ${key} is taken`);
    }
    this.rows.set(execution.executionId, structuredClone(execution));
    this.link(execution.requestId, execution.executionId);
  }

  async get(executionId: string) {
    const row = this.rows.get(executionId);
    if (!row) throw new NotFoundError(`no execution ${executionId}`);
    return structuredClone(row);
  }

  async updateStatus(executionId: string, update: Parameters<ExecutionStore['updateStatus']>[1]) {
    const row = await this.get(executionId);
    if (!canTransition(row.status, update.status)) {
      throw new ConflictError(
        `execution ${executionId} is ${row.status} and cannot move to ${update.status}`,
      );
    }
    const { requestId, ...changes } = update;
    const next = {
      ...row,
      ...changes,
      ...(requestId ? { modifiedByRequestId: requestId } : {}),
    } as Execution;
    this.rows.set(executionId, next);
    if (requestId) this.link(requestId, executionId);
    return structuredClone(next);
  }

  async list() {
    return { items: [...this.rows.values()].map((row) => structuredClone(row)) };
  }

  async findByIdempotencyKey(createdBy: string, idempotencyKey: string) {
    const row = [...this.rows.values()].find(
      (r) => r.createdBy === createdBy && r.idempotencyKey === idempotencyKey,
    );
    return row ? structuredClone(row) : null;
  }

  async listByRequestId(requestId: string) {
    return [...(this.requests.get(requestId) ?? [])].map((id) => structuredClone(this.rows.get(id)!));
  }

  private link(requestId: string, executionId: string) {
    const ids = this.requests.get(requestId) ?? new Set<string>();
    ids.add(executionId);
    this.requests.set(requestId, ids);
  }
}

import type { PortName, TaskportError, TaskportErrorOptions } from '@taskport/core';

const PORT_LABELS: Readonly<Record<PortName, string>> = {
  taskExecutor: 'TaskExecutor',
  imageRegistry: 'ImageRegistry',
  logAggregator: 'LogAggregator',
  backendObservability: 'BackendObservability',
  executionStore: 'ExecutionStore',
};

/** `TaskExecutor.startTask`: the operation label every error message of a port method carries. */
export function operationName(port: PortName, method: string): string {
  return `${PORT_LABELS[port]}.${method}`;
}

/**
 * The context an adapter passes to every error it raises, so messages read
 * `[aws] TaskExecutor.startTask: ...` (TaskportError prefixes provider and operation itself).
 */
export function errorContext(
  provider: string,
  port: PortName,
  method: string,
  extra: Omit<TaskportErrorOptions, 'provider' | 'operation'> = {},
): TaskportErrorOptions {
  return { ...extra, provider, operation: operationName(port, method) };
}

type ErrorClass = new (message: string, options?: TaskportErrorOptions) => TaskportError;

/**
 * A small error factory bound to one adapter: `const fail = errorsFor('aws', 'taskExecutor');
 * throw fail(ValidationError, 'startTask', 'cpu must be ...')`.
 */
export function errorsFor(provider: string, port: PortName) {
  return <E extends ErrorClass>(
    Kind: E,
    method: string,
    message: string,
    extra: Omit<TaskportErrorOptions, 'provider' | 'operation'> = {},
  ): InstanceType<E> => new Kind(message, errorContext(provider, port, method, extra)) as InstanceType<E>;
}

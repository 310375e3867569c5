import {
  type BackendLogEntry,
  type BackendLogger,
  type BackendObservability,
  type LogEvent,
  type OperationOptions,
  ValidationError,
} from '@taskport/core';
import type { MemoryWorld } from './memory-world.js';

/** Keeps the Service's structured lines in the world, where MemoryBackendObservability reads them. */
export class MemoryBackendLogger implements BackendLogger {
  constructor(private readonly world: MemoryWorld) {}

  log(entry: BackendLogEntry): void {
    if (typeof entry.requestId !== 'string' || entry.requestId === '') return;
    this.world.backendLines.push({ ...entry, timestamp: entry.timestamp ?? Date.now() });
  }
}

/** One request's lines, matched exactly on the request id, as JSON lines in time order. */
export class MemoryBackendObservability implements BackendObservability {
  readonly provider = 'memory';

  constructor(private readonly world: MemoryWorld) {}

  async fetchBackendLogs(requestId: string, options: OperationOptions = {}): Promise<LogEvent[]> {
    const operation = 'BackendObservability.fetchBackendLogs';
    if (typeof requestId !== 'string' || requestId.trim() === '') {
      throw new ValidationError('a request id is required', {
        provider: 'memory',
        operation,
        details: { field: 'requestId' },
      });
    }
    options.signal?.throwIfAborted();
    this.world.count(operation);
    return this.world.backendLines
      .map((line, index) => ({ line, index }))
      .filter(({ line }) => line.requestId === requestId)
      .sort((a, b) => a.line.timestamp - b.line.timestamp || a.index - b.index)
      .map(({ line, index }) => ({
        timestamp: line.timestamp,
        message: JSON.stringify({
          time: new Date(line.timestamp).toISOString(),
          level: line.level,
          request_id: line.requestId,
          msg: line.message,
          ...line.fields,
        }),
        eventId: String(index).padStart(12, '0'),
      }));
  }
}

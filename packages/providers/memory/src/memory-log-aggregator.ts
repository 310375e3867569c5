import {
  isFinalStatus,
  type LogAggregator,
  type LogEvent,
  type OperationOptions,
  type StreamLogsOptions,
} from '@taskport/core';
import type { MemoryWorld } from './memory-world.js';

const PAGE = 100;

/** Task output in memory, read in pages like a real log service, followed by waiting on the world's changes. */
export class MemoryLogAggregator implements LogAggregator {
  readonly provider = 'memory';

  constructor(private readonly world: MemoryWorld) {}

  async fetchLogsByExecutionId(executionId: string, options: OperationOptions = {}): Promise<LogEvent[]> {
    options.signal?.throwIfAborted();
    this.world.count('LogAggregator.fetchLogsByExecutionId');
    return [...(this.world.output.get(executionId) ?? [])];
  }

  async *streamLogs(executionId: string, options: StreamLogsOptions = {}): AsyncIterable<LogEvent> {
    options.signal?.throwIfAborted();
    const seen = new Set<string>();
    let position = 0;
    for (;;) {
      this.world.count('LogAggregator.streamLogs');
      const events = this.world.output.get(executionId) ?? [];
      // One page at a time, as a paged backend gives them.
      while (position < events.length) {
        const page = events.slice(position, position + PAGE);
        position += page.length;
        for (const event of page) {
          if (options.since !== undefined && event.timestamp < options.since) continue;
          if (seen.has(event.eventId)) continue;
          seen.add(event.eventId);
          yield event;
        }
      }
      if (!options.follow || (await this.ended(executionId, options))) {
        // Drain what arrived while deciding.
        if (position >= (this.world.output.get(executionId)?.length ?? 0)) return;
        continue;
      }
      await this.world.nextChange(options.pollIntervalMs ?? 250, options.signal);
    }
  }

  private async ended(executionId: string, options: StreamLogsOptions): Promise<boolean> {
    if (options.isTaskDone) return options.isTaskDone();
    const task = this.world.tasks.get(executionId);
    // A task the platform forgot cannot print any more.
    return !task || isFinalStatus(task.state.status);
  }
}

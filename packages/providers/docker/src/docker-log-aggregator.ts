import {
  type LogAggregator,
  type LogEvent,
  type OperationOptions,
  type StreamLogsOptions,
  ValidationError,
} from '@taskport/core';
import { EXECUTION_ID, LABELS } from './container-state.js';
import { DockerEngine } from './docker-engine.js';
import { engineError, hasStatus, PROVIDER } from './docker-errors.js';
import { type DockerOptionsInput, parseDockerOptions } from './docker-options.js';
import type { DockerClients } from './docker-task-executor.js';
import {
  type EngineLogLine,
  keyOfMs,
  LogFrameSplitter,
  LogLineAssembler,
  lineEventId,
  sinceParameter,
} from './log-frames.js';

export interface DockerLogAggregatorOptions extends DockerOptionsInput {
  /** How often a following stream looks again while the container has not started yet, in ms. @default 250 */
  pollIntervalMs?: number;
}

type ContainerPhase = 'missing' | 'created' | 'running' | 'ended';

/**
 * Reads a task's output from the engine's own log of its container (`GET /containers/{id}/logs`, stdout
 * and stderr demultiplexed, with the engine's timestamps). Nothing is copied anywhere: the output lives as
 * long as the container (kept after exit until `prune` removes it past retention; see ADR 023-docker).
 *
 * Streams read the engine's response as it arrives, so memory stays bounded by one socket chunk whatever
 * the output's size; `follow` uses the engine's own follow mode, which ends when the container stops.
 */
export class DockerLogAggregator implements LogAggregator {
  readonly provider = PROVIDER;
  readonly engine: DockerEngine;
  private readonly ownsEngine: boolean;
  private readonly pollIntervalMs: number;

  constructor(options: DockerLogAggregatorOptions = {}, clients: DockerClients = {}) {
    const { pollIntervalMs, ...rest } = options;
    const parsed = parseDockerOptions(rest, process.env);
    this.pollIntervalMs = pollIntervalMs ?? 250;
    this.ownsEngine = clients.engine === undefined;
    this.engine =
      clients.engine ??
      new DockerEngine({
        host: parsed.host,
        apiVersion: parsed.apiVersion,
        tls: parsed.tls,
        ...(parsed.certPath ? { certPath: parsed.certPath } : {}),
        requestTimeoutMs: parsed.requestTimeoutMs,
      });
  }

  async fetchLogsByExecutionId(executionId: string, options: OperationOptions = {}): Promise<LogEvent[]> {
    const events: LogEvent[] = [];
    for await (const event of this.streamLogs(executionId, options.signal ? { signal: options.signal } : {}))
      events.push(event);
    return events;
  }

  async *streamLogs(executionId: string, options: StreamLogsOptions = {}): AsyncGenerator<LogEvent> {
    const { signal } = options;
    signal?.throwIfAborted();
    if (typeof executionId !== 'string' || executionId.trim() === '') {
      throw new ValidationError('an execution id is required', {
        provider: PROVIDER,
        operation: 'LogAggregator.streamLogs',
        details: { field: 'executionId' },
      });
    }
    // An id taskport never gives out names no container: like a task that never started, it has no output.
    if (!EXECUTION_ID.test(executionId)) return;
    const cursor = new LogCursor(options.since);
    if (!options.follow) {
      yield* this.read(executionId, cursor, false, signal);
      return;
    }
    let pause = options.pollIntervalMs ?? this.pollIntervalMs;
    for (;;) {
      const phase = await this.phase(executionId, signal);
      if (phase === 'missing') return;
      if (phase === 'created') {
        // Not started yet: nothing to follow. Ends if the task is done without ever running.
        if (options.isTaskDone && (await options.isTaskDone())) {
          yield* this.read(executionId, cursor, false, signal);
          return;
        }
        await sleep(pause, signal);
        pause = Math.min(pause * 2, 2000);
        continue;
      }
      // The engine's follow ends when the container stops; a last plain read (from the cursor) then
      // drains anything the follow connection did not deliver.
      let yielded = 0;
      for await (const event of this.read(executionId, cursor, phase === 'running', signal)) {
        yielded += 1;
        yield event;
      }
      if (phase === 'ended') return;
      // A follow that ended at once without output (an engine that does not block on this state): wait a
      // little before asking again, rather than spinning.
      if (yielded === 0) await sleep(pause, signal);
    }
  }

  /** Closes the engine connections (when the aggregator made its own client). */
  async close(): Promise<void> {
    if (this.ownsEngine) this.engine.close();
  }

  private async phase(executionId: string, signal: AbortSignal | undefined): Promise<ContainerPhase> {
    try {
      const { body } = await this.engine.request<{
        State: { Status: string };
        Config: { Labels?: Record<string, string> | null };
      }>('GET', `/containers/${encodeURIComponent(executionId)}/json`, { signal });
      if (body.Config.Labels?.[LABELS.managed] !== 'true') return 'missing';
      const status = body.State.Status;
      if (status === 'created') return 'created';
      if (status === 'running' || status === 'paused' || status === 'restarting') return 'running';
      return 'ended';
    } catch (error) {
      if (hasStatus(error, 404)) return 'missing';
      throw engineError(error, 'LogAggregator.streamLogs');
    }
  }

  private async *read(
    executionId: string,
    cursor: LogCursor,
    follow: boolean,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<LogEvent> {
    let response: Awaited<ReturnType<DockerEngine['stream']>>;
    try {
      response = await this.engine.stream('GET', `/containers/${encodeURIComponent(executionId)}/logs`, {
        query: {
          stdout: 1,
          stderr: 1,
          timestamps: 1,
          follow: follow ? 1 : 0,
          since: cursor.since(),
        },
        signal,
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      // No such container: never started (or already pruned). Its output is empty, not an error. A 409
      // "dead or marked for removal" is a container being removed right now: its output is gone too.
      if (hasStatus(error, 404) || hasStatus(error, 409)) return;
      throw engineError(error, 'LogAggregator.streamLogs');
    }
    cursor.beginRead();
    const splitter = new LogFrameSplitter();
    const assembler = new LogLineAssembler();
    try {
      for await (const chunk of response) {
        for (const frame of splitter.push(chunk as Buffer)) {
          for (const line of assembler.push(frame)) {
            const event = cursor.accept(line);
            if (event) yield event;
          }
        }
      }
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw engineError(error, 'LogAggregator.streamLogs');
    } finally {
      response.destroy();
    }
    for (const line of assembler.flush()) {
      const event = cursor.accept(line);
      if (event) yield event;
    }
  }
}

/**
 * Where a stream is: what it yielded last, so a new read (the next follow connection, the final drain)
 * asks the engine only from there and yields nothing twice.
 */
class LogCursor {
  private readonly sinceMs: number | undefined;
  /** Greatest timestamp key yielded, and the ids yielded with exactly that key. */
  private maxKey: string | undefined;
  private idsAtMaxKey = new Set<string>();
  /** The boundary of the current read: lines at it that were yielded before are skipped. */
  private replayKey: string | undefined;
  private replayIds = new Set<string>();
  private readonly ranks: Record<string, { key: string; count: number }> = {};
  private lastTimestamp = Number.NEGATIVE_INFINITY;

  constructor(sinceMs: number | undefined) {
    this.sinceMs = sinceMs;
  }

  /** The `since` of the next read: the last key yielded (inclusive), else the caller's `since`. */
  since(): string | undefined {
    if (this.maxKey !== undefined) return sinceParameter(this.maxKey);
    return this.sinceMs !== undefined ? sinceParameter(keyOfMs(this.sinceMs)) : undefined;
  }

  beginRead(): void {
    this.replayKey = this.maxKey;
    this.replayIds = new Set(this.idsAtMaxKey);
    for (const stream of Object.keys(this.ranks)) delete this.ranks[stream];
  }

  accept(line: EngineLogLine): LogEvent | undefined {
    if (this.sinceMs !== undefined && line.timestamp < this.sinceMs) return undefined;
    const rank = this.ranks[line.stream];
    const count = rank && rank.key === line.key ? rank.count + 1 : 0;
    this.ranks[line.stream] = { key: line.key, count };
    const eventId = lineEventId(line, count);
    if (this.replayKey !== undefined) {
      if (line.key < this.replayKey) return undefined;
      if (line.key === this.replayKey && this.replayIds.has(eventId)) return undefined;
    }
    if (this.maxKey === undefined || line.key > this.maxKey) {
      this.maxKey = line.key;
      this.idsAtMaxKey = new Set();
    }
    if (line.key === this.maxKey) this.idsAtMaxKey.add(eventId);
    // stdout and stderr are copied by separate engine goroutines, so their timestamps can cross by a few
    // microseconds; events keep the order the engine recorded them in and never go back in time.
    this.lastTimestamp = Math.max(this.lastTimestamp, line.timestamp);
    return { timestamp: this.lastTimestamp, message: line.message, stream: line.stream, eventId };
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

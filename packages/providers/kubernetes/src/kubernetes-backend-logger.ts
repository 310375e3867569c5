import { hostname } from 'node:os';
import type { CoreV1Event } from '@kubernetes/client-node';
import type { BackendLogEntry, BackendLogger } from '@taskport/core';
import { labelHash, RECORD_LABELS } from './configmap-records.js';
import { kubernetesCall } from './kubernetes-call.js';
import type { KubernetesClients } from './kubernetes-clients.js';
import type { KubernetesOptions } from './kubernetes-options.js';

/** Annotation holding the whole JSON line of an Event written by KubernetesBackendLogger. */
export const LINE_ANNOTATION = 'taskport.dev/line';
/** Reason of those Events, so `kubectl get events --field-selector reason=TaskportLog` shows them. */
export const EVENT_REASON = 'TaskportLog';
const MAX_QUEUE = 10_000;

/** The JSON line of an entry, in the shape JsonLinesLogger prints (`time`, `level`, `request_id`, `msg`, fields). */
export function jsonLine(entry: BackendLogEntry, timestamp: number): string {
  return JSON.stringify({
    time: new Date(timestamp).toISOString(),
    level: entry.level,
    request_id: entry.requestId,
    msg: entry.message,
    ...entry.fields,
  });
}

/**
 * Writes taskport's own structured lines as Kubernetes Events in the namespace (see
 * docs/adr/035-k8s-backend-lines-as-events.md), labelled by a hash of the request id, so that
 * KubernetesBackendObservability finds them by request from anywhere that reaches the API server - the CLI
 * as well as a server pod. `log` never blocks nor throws: lines are queued and written in order in the
 * background; `flush()` waits for the queue, `close()` flushes and stops. The API server keeps Events
 * for its `--event-ttl` (1 h by default).
 */
export class KubernetesBackendLogger implements BackendLogger {
  private queue: Array<{ entry: BackendLogEntry; timestamp: number; sequence: number }> = [];
  private writing: Promise<void> | undefined;
  private sequence = 0;
  private closed = false;
  /** Lines that could not be written (dropped when the queue was full or the API refused them). */
  dropped = 0;
  private readonly instance = hostname();

  constructor(
    private readonly options: KubernetesOptions,
    private readonly clients: KubernetesClients,
  ) {}

  log(entry: BackendLogEntry): void {
    if (this.closed) return;
    if (this.queue.length >= MAX_QUEUE) {
      this.dropped++;
      return;
    }
    this.queue.push({ entry, timestamp: entry.timestamp ?? Date.now(), sequence: this.sequence++ });
    this.writing ??= this.drain().finally(() => {
      this.writing = undefined;
    });
  }

  /** Resolves once every line logged so far has been written (or given up on). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private async drain(): Promise<void> {
    for (let item = this.queue.shift(); item; item = this.queue.shift()) {
      try {
        await kubernetesCall(
          'BackendLogger.log',
          (o) =>
            this.clients.core.createNamespacedEvent(
              { namespace: this.options.namespace, body: this.event(item!) },
              o,
            ),
          { retry: this.options.retry },
        );
      } catch {
        // Logging never changes the outcome of an operation; the line is counted and dropped.
        this.dropped++;
      }
    }
  }

  private event(item: { entry: BackendLogEntry; timestamp: number; sequence: number }): CoreV1Event {
    const { entry, timestamp } = item;
    const time = new Date(timestamp);
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        generateName: 'taskport-log-',
        namespace: this.options.namespace,
        labels: {
          [RECORD_LABELS.managedBy]: 'taskport',
          [RECORD_LABELS.kind]: 'backend-log',
          [RECORD_LABELS.createdByRequest]: labelHash(entry.requestId),
        },
        annotations: {
          [LINE_ANNOTATION]: jsonLine(entry, timestamp),
          'taskport.dev/sequence': `${this.instance}/${process.pid}/${String(item.sequence).padStart(12, '0')}`,
        },
      },
      // Events must regard an object of their own namespace; this name needs no object behind it.
      involvedObject: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'taskport-backend-log',
        namespace: this.options.namespace,
      },
      reason: EVENT_REASON,
      message: `${entry.level}: ${entry.message}`.slice(0, 1000),
      type: entry.level === 'error' || entry.level === 'warn' ? 'Warning' : 'Normal',
      source: { component: 'taskport' },
      reportingComponent: 'taskport',
      reportingInstance: this.instance.slice(0, 128),
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
    };
  }
}

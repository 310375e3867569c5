import {
  type BackendObservability,
  type LogEvent,
  type OperationOptions,
  ValidationError,
} from '@taskport/core';
import { labelHash, RECORD_LABELS } from './configmap-records.js';
import { LINE_ANNOTATION } from './kubernetes-backend-logger.js';
import { kubernetesCall } from './kubernetes-call.js';
import type { KubernetesClients } from './kubernetes-clients.js';
import { PROVIDER } from './kubernetes-errors.js';
import type { KubernetesOptions } from './kubernetes-options.js';

const OPERATION = 'BackendObservability.fetchBackendLogs';

/**
 * taskport's own lines for a request, from the Events KubernetesBackendLogger wrote: selected by the
 * hash of the request id (a label), then matched exactly on the line's `request_id` field, so no id is
 * ever read as a pattern and a hash collision cannot leak another request's lines.
 */
export class KubernetesBackendObservability implements BackendObservability {
  readonly provider = PROVIDER;

  constructor(
    private readonly options: KubernetesOptions,
    private readonly clients: KubernetesClients,
  ) {}

  async fetchBackendLogs(requestId: string, options: OperationOptions = {}): Promise<LogEvent[]> {
    options.signal?.throwIfAborted();
    if (typeof requestId !== 'string' || requestId.trim() === '') {
      throw new ValidationError('a request id is required', {
        provider: PROVIDER,
        operation: OPERATION,
        details: { field: 'requestId' },
      });
    }
    const labelSelector = [
      'app.kubernetes.io/managed-by=taskport',
      'taskport.dev/kind=backend-log',
      `${RECORD_LABELS.createdByRequest}=${labelHash(requestId)}`,
    ].join(',');
    const found: Array<LogEvent & { order: string }> = [];
    let token: string | undefined;
    do {
      const page = await kubernetesCall(
        OPERATION,
        (o) =>
          this.clients.core.listNamespacedEvent(
            {
              namespace: this.options.namespace,
              labelSelector,
              limit: 500,
              ...(token ? { _continue: token } : {}),
            },
            o,
          ),
        { signal: options.signal, retry: this.options.retry, what: `Events in ${this.options.namespace}` },
      );
      for (const event of page.items) {
        const line = event.metadata?.annotations?.[LINE_ANNOTATION];
        if (!line) continue;
        let parsed: { request_id?: unknown; time?: unknown };
        try {
          parsed = JSON.parse(line);
        } catch {
          continue;
        }
        if (parsed.request_id !== requestId) continue;
        const timestamp = typeof parsed.time === 'string' ? Date.parse(parsed.time) : Number.NaN;
        found.push({
          timestamp: Number.isNaN(timestamp) ? new Date(event.firstTimestamp ?? 0).getTime() : timestamp,
          message: line,
          eventId: event.metadata?.uid ?? event.metadata?.name ?? '',
          order: event.metadata?.annotations?.['taskport.dev/sequence'] ?? '',
        });
      }
      token = page.metadata?._continue || undefined;
    } while (token);
    found.sort((a, b) => a.timestamp - b.timestamp || (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
    return found.map(({ order: _, ...event }) => event);
  }
}

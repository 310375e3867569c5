import type { V1Pod } from '@kubernetes/client-node';
import type { LogAggregator, LogEvent, OperationOptions, StreamLogsOptions } from '@taskport/core';
import { sleep } from '@taskport/provider-utils';
import { LABELS } from './job-spec.js';
import { containerStatus, currentPod } from './job-status.js';
import { kubernetesCall } from './kubernetes-call.js';
import type { KubernetesClients } from './kubernetes-clients.js';
import { PROVIDER, translateKubernetesError } from './kubernetes-errors.js';
import type { KubernetesOptions } from './kubernetes-options.js';
import { EventIds, PodLogError, readPodLog } from './pod-log-reader.js';

const EXECUTION_ID = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DEFAULT_POLL_MS = 1000;
const MAX_POLL_MS = 5000;

/**
 * Task output from the pod logs of the execution's Job (`pods/log` with timestamps), read through the API
 * server so it works wherever the API server is reachable. The kubelet interleaves stdout and stderr in one
 * stream, so events carry no `stream`.
 *
 * Pod logs live as long as the pod: the Job's `ttlSecondsAfterFinished` (the `jobRetentionSeconds` option)
 * removes the pod and its logs with it, after which the execution reads as `[]`. Ship logs to a collector
 * if they must outlive that.
 */
export class KubernetesLogAggregator implements LogAggregator {
  readonly provider = PROVIDER;

  constructor(
    private readonly options: KubernetesOptions,
    private readonly clients: KubernetesClients,
  ) {}

  async fetchLogsByExecutionId(executionId: string, options: OperationOptions = {}): Promise<LogEvent[]> {
    const events: LogEvent[] = [];
    for await (const event of this.read(
      executionId,
      { ...options, follow: false },
      'LogAggregator.fetchLogsByExecutionId',
    )) {
      events.push(event);
    }
    return events;
  }

  streamLogs(executionId: string, options: StreamLogsOptions = {}): AsyncIterable<LogEvent> {
    return this.read(executionId, options, 'LogAggregator.streamLogs');
  }

  private async *read(
    executionId: string,
    options: StreamLogsOptions,
    operation: string,
  ): AsyncGenerator<LogEvent> {
    const { signal } = options;
    signal?.throwIfAborted();
    if (typeof executionId !== 'string' || !EXECUTION_ID.test(executionId)) return;
    const since = options.since;
    let poll = options.pollIntervalMs ?? DEFAULT_POLL_MS;
    // Where the next read starts (whole seconds, the API's sinceTime precision), and the ids already
    // yielded from that second on: a resumed read repeats that second, and those lines are skipped.
    let resumeFrom = since !== undefined ? Math.floor(since / 1000) * 1000 : undefined;
    let seen = new Set<string>();
    let podName: string | undefined;

    for (;;) {
      signal?.throwIfAborted();
      const pod = await this.pod(executionId, operation, signal);
      const status = containerStatus(pod, this.options.containerName);
      const started = Boolean(
        status?.state?.running || status?.state?.terminated || status?.lastState?.terminated,
      );
      const ended =
        Boolean(status?.state?.terminated) ||
        pod?.status?.phase === 'Succeeded' ||
        pod?.status?.phase === 'Failed';
      if (pod?.metadata?.name && pod.metadata.name !== podName) {
        podName = pod.metadata.name;
        seen = new Set();
      }
      if (pod && started && podName) {
        const ids = new EventIds(podName);
        try {
          for await (const line of readPodLog(this.clients.kubeConfig, {
            namespace: this.options.namespace,
            pod: podName,
            container: this.options.containerName,
            follow: Boolean(options.follow) && !ended,
            ...(resumeFrom !== undefined
              ? { sinceTime: new Date(resumeFrom).toISOString().replace(/\.\d+Z$/, 'Z') }
              : {}),
            ...(signal ? { signal } : {}),
          })) {
            const event = ids.event(line);
            if (since !== undefined && event.timestamp < since) continue;
            if (seen.has(event.eventId)) continue;
            const second = Math.floor(event.timestamp / 1000) * 1000;
            if (resumeFrom === undefined || second > resumeFrom) {
              // Moving into a new second: ids of earlier seconds can never be re-read.
              resumeFrom = second;
              seen = new Set();
            }
            seen.add(event.eventId);
            yield event;
          }
        } catch (error) {
          if (signal?.aborted) throw signal.reason;
          if (error instanceof PodLogError && (error.code === 400 || error.code === 404)) {
            // The container is not running yet, or the pod went away: nothing to read now.
          } else if (!options.follow || !isDropped(error)) {
            throw translateKubernetesError(error, operation, `logs of task ${executionId}`);
          }
        }
      }
      if (!options.follow) return;
      if (ended && started) {
        // Drained. End once the task has ended for the caller too (the executor may read the Job a
        // moment after the pod), so a caller never sees the stream end while its task still runs.
        while (options.isTaskDone && !(await options.isTaskDone())) await sleep(Math.min(poll, 500), signal);
        return;
      }
      if (!pod || !started) {
        // Never ran (yet): done when the task is.
        const done = options.isTaskDone
          ? await options.isTaskDone()
          : pod === undefined
            ? false
            : isPodDone(pod);
        if (done) {
          // The task may have started and ended between the two reads: read once more, then end.
          const again = await this.pod(executionId, operation, signal);
          const againStatus = containerStatus(again, this.options.containerName);
          if (
            !(againStatus?.state?.terminated || againStatus?.lastState?.terminated) ||
            again?.metadata?.name === undefined
          )
            return;
          continue;
        }
        await sleep(poll, signal);
        poll = Math.min(poll * 2, MAX_POLL_MS);
        continue;
      }
      // The follow connection ended while the container still ran (dropped): resume after a short pause.
      await sleep(Math.min(poll, 500), signal);
    }
  }

  private async pod(
    executionId: string,
    operation: string,
    signal?: AbortSignal,
  ): Promise<V1Pod | undefined> {
    const pods = await kubernetesCall(
      operation,
      (o) =>
        this.clients.core.listNamespacedPod(
          { namespace: this.options.namespace, labelSelector: `${LABELS.jobName}=${executionId}` },
          o,
        ),
      { signal, retry: this.options.retry, what: `pods of task ${executionId}` },
    );
    return currentPod(pods.items);
  }
}

function isPodDone(pod: V1Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

function isDropped(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    typeof code === 'string' ||
    (error instanceof Error && /aborted|socket hang up|ECONNRESET|terminated/i.test(error.message))
  );
}

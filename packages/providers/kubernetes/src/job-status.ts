import type { V1ContainerStatus, V1Job, V1Pod } from '@kubernetes/client-node';
import type { TaskDescription } from '@taskport/core';
import { ANNOTATIONS } from './job-spec.js';

/** Waiting reasons of a container that will not start by waiting longer: FAILED_TO_START at once. */
export const FAILED_TO_START_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'RegistryUnavailable',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

const iso = (value: Date | string | undefined): string | undefined =>
  value === undefined ? undefined : new Date(value).toISOString();

function condition(job: V1Job, type: string) {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

/** The pod that matters: the newest one (backoffLimit 0 makes at most one, but a replaced pod may linger). */
export function currentPod(pods: readonly V1Pod[]): V1Pod | undefined {
  return [...pods].sort(
    (a, b) =>
      new Date(b.metadata?.creationTimestamp ?? 0).getTime() -
      new Date(a.metadata?.creationTimestamp ?? 0).getTime(),
  )[0];
}

export function containerStatus(
  pod: V1Pod | undefined,
  containerName: string,
): V1ContainerStatus | undefined {
  return pod?.status?.containerStatuses?.find((status) => status.name === containerName);
}

/** Why the pod cannot start, when a waiting reason says it never will (image pull errors and the like). */
export function failedToStartReason(pod: V1Pod | undefined, containerName: string): string | undefined {
  const waiting = containerStatus(pod, containerName)?.state?.waiting;
  if (!waiting?.reason || !FAILED_TO_START_REASONS.has(waiting.reason)) return undefined;
  return `${waiting.reason}: ${waiting.message ?? 'the container could not be created'}`;
}

/**
 * Provider truth from a Job and its pods:
 * - Job conditions say whether it ended (Complete / SuccessCriteriaMet, Failed / FailureTarget) and why
 *   (BackoffLimitExceeded: the command failed; DeadlineExceeded: activeDeadlineSeconds, i.e. the timeout
 *   or taskport's kill, told apart by the stop-requested annotation);
 * - the container's terminated state gives the exit code and the times, and a pod that terminated is final
 *   before the Job controller has caught up;
 * - a waiting reason such as ErrImagePull is FAILED_TO_START without waiting out the deadline.
 * Times come from the container where it has them, so a finished task reads the same on every call.
 */
export function describeJob(job: V1Job, pods: readonly V1Pod[], containerName: string): TaskDescription {
  const annotations = job.metadata?.annotations ?? {};
  const stopRequested = annotations[ANNOTATIONS.stopRequestedAt];
  const failedToStart = annotations[ANNOTATIONS.failedToStart];
  const pod = currentPod(pods);
  const status = containerStatus(pod, containerName);
  const terminated = status?.state?.terminated ?? status?.lastState?.terminated;
  const running = status?.state?.running;
  const startedAt = iso(terminated?.startedAt ?? running?.startedAt);
  const details: Record<string, string> = {
    job: job.metadata?.name ?? '',
    namespace: job.metadata?.namespace ?? '',
  };
  if (pod?.metadata?.name) details.pod = pod.metadata.name;
  if (pod?.spec?.nodeName) details.node = pod.spec.nodeName;

  const complete = condition(job, 'Complete') ?? condition(job, 'SuccessCriteriaMet');
  const failed = condition(job, 'Failed');
  const failureTarget = failed ?? condition(job, 'FailureTarget');
  const exitCode = terminated?.exitCode ?? null;
  const stoppedAt =
    iso(terminated?.finishedAt) ??
    iso((failed ?? complete)?.lastTransitionTime) ??
    iso(job.status?.completionTime) ??
    iso(failureTarget?.lastTransitionTime) ??
    undefined;
  const base = { ...(startedAt ? { startedAt } : {}), details };
  const final = (fields: Omit<TaskDescription, 'details' | 'startedAt' | 'stoppedAt'>): TaskDescription => ({
    ...base,
    ...fields,
    ...(stoppedAt ? { stoppedAt } : {}),
  });

  if (failedToStart && (failureTarget || !terminated)) {
    return final({ status: 'FAILED', exitCode: null, stopCode: 'FAILED_TO_START', reason: failedToStart });
  }
  if (complete) {
    return final({
      status: 'SUCCEEDED',
      exitCode: exitCode ?? 0,
      stopCode: 'EXITED',
      reason: 'Job completed',
    });
  }
  // restartPolicy Never: a terminated container never runs again, whatever phase the pod shows yet.
  const ended =
    Boolean(status?.state?.terminated) ||
    pod?.status?.phase === 'Succeeded' ||
    pod?.status?.phase === 'Failed';
  if (terminated && (ended || failureTarget)) {
    // The container ended by itself (or by the kill/deadline's signal): final now, whatever the Job says yet.
    if (stopRequested && terminated.exitCode !== 0) {
      return final({
        status: 'STOPPED',
        exitCode,
        stopCode: 'USER_INITIATED',
        reason: `killed on request at ${stopRequested}`,
      });
    }
    if (failureTarget?.reason === 'DeadlineExceeded' && terminated.exitCode !== 0 && !stopRequested) {
      return final({
        status: 'FAILED',
        exitCode,
        stopCode: 'TIMED_OUT',
        reason: timeoutReason(job, failureTarget.message),
      });
    }
    return final({
      status: terminated.exitCode === 0 ? 'SUCCEEDED' : 'FAILED',
      exitCode,
      stopCode: 'EXITED',
      reason: `${terminated.reason ?? 'Exited'} with exit code ${terminated.exitCode}${terminated.message ? `: ${terminated.message}` : ''}`,
    });
  }
  if (failureTarget) {
    // The Job controller has decided; it writes Failed once the pod is gone, and that time is when the
    // task stopped. Until then it is still stopping.
    if (!failed) return { ...base, status: 'TERMINATING', exitCode: null };
    if (stopRequested) {
      return final({
        status: 'STOPPED',
        exitCode,
        stopCode: 'USER_INITIATED',
        reason: `killed on request at ${stopRequested}`,
      });
    }
    if (failureTarget.reason === 'DeadlineExceeded') {
      return final({
        status: 'FAILED',
        exitCode,
        stopCode: 'TIMED_OUT',
        reason: timeoutReason(job, failureTarget.message),
      });
    }
    return final({
      status: 'FAILED',
      exitCode,
      stopCode: 'RUNTIME_LOST',
      reason: `${failureTarget.reason ?? 'Failed'}: ${failureTarget.message ?? 'the pod ended without an exit code (deleted or evicted)'}`,
    });
  }
  if (stopRequested) return { ...base, status: 'TERMINATING', exitCode: null };
  if (running) return { ...base, status: 'RUNNING', exitCode: null };
  const pending = status?.state?.waiting;
  return {
    ...base,
    status: 'STARTING',
    exitCode: null,
    ...(pending?.reason
      ? { reason: `${pending.reason}${pending.message ? `: ${pending.message}` : ''}` }
      : {}),
  };
}

function timeoutReason(job: V1Job, message: string | undefined): string {
  const seconds = job.spec?.activeDeadlineSeconds;
  return `timed out: ran longer than timeoutSeconds${seconds !== undefined ? ` (${seconds} s)` : ''}${message ? `; ${message}` : ''}`;
}

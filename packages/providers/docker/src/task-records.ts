import { randomBytes } from 'node:crypto';
import { STOP_SIGNALS, type StopSignal } from '@taskport/core';
import type { DockerEngine } from './docker-engine.js';
import { hasStatus } from './docker-errors.js';

/**
 * The few facts about a task that a container cannot carry itself, kept in the engine as labelled,
 * empty volumes (see ADR 021-docker): a volume's labels are fixed at creation and creating an existing
 * name returns the first one unchanged, so "first writer wins" comes for free, any process that reaches
 * the engine reads them, and nothing lives outside the engine.
 *
 * - `<container>.record`: the task was started by taskport. If its container disappears, the task is
 *   FAILED/RUNTIME_LOST rather than unknown.
 * - `<container>.stop`: someone asked to stop it (kill or timeout), with the stop code and reason, so a
 *   stop reads STOPPED/USER_INITIATED or FAILED/TIMED_OUT and never as the command's own failure; a kill
 *   with a chosen signal or grace period records them too, so whoever enforces an overdue stop later
 *   waits that grace and sends that signal.
 * - `<container>.stdin`: an interactive task's stdin was claimed by an `attachStdin` (one per task, from
 *   whichever process: the claim carries a random nonce, and only the writer whose nonce comes back won).
 */

export const MANAGED_LABEL = 'taskport.managed';
export const EXECUTION_LABEL = 'taskport.execution';
const STOP_CODE_LABEL = 'taskport.stop-code';
const STOP_REASON_LABEL = 'taskport.stop-reason';
const STOP_AT_LABEL = 'taskport.stop-requested-at';
const STOP_SIGNAL_LABEL = 'taskport.stop-signal';
const STOP_GRACE_LABEL = 'taskport.stop-grace-seconds';
const RECORDED_AT_LABEL = 'taskport.recorded-at';
const CLAIM_LABEL = 'taskport.claim';

/** The reason taskport records when it stops a task for exceeding `timeoutSeconds`. */
export const timeoutReason = (seconds: number | string) => `timed out after ${seconds} s (timeoutSeconds)`;

export interface StopIntent {
  stopCode: 'USER_INITIATED' | 'TIMED_OUT';
  reason: string;
  /** Unix ms. */
  requestedAt: number;
  /** The first signal of a kill that chose one (otherwise the container's own stop signal). */
  signal?: StopSignal;
  /** The grace period of a kill that chose one (otherwise the `killGraceSeconds` option). */
  graceSeconds?: number;
}

interface VolumeBody {
  Name?: string;
  Labels?: Record<string, string> | null;
}

export const recordVolume = (container: string) => `${container}.record`;
export const stopVolume = (container: string) => `${container}.stop`;
export const stdinVolume = (container: string) => `${container}.stdin`;

/** Writes the `.record` volume of a task. */
export async function writeTaskRecord(
  engine: DockerEngine,
  container: string,
  signal?: AbortSignal,
): Promise<void> {
  await engine.request('POST', '/volumes/create', {
    body: {
      Name: recordVolume(container),
      Labels: {
        [MANAGED_LABEL]: 'true',
        [EXECUTION_LABEL]: container,
        [RECORDED_AT_LABEL]: String(Date.now()),
      },
    },
    signal,
  });
}

/** Whether the task's `.record` exists (taskport started it, even if its container is gone now). */
export async function hasTaskRecord(
  engine: DockerEngine,
  container: string,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    await engine.request('GET', `/volumes/${encodeURIComponent(recordVolume(container))}`, { signal });
    return true;
  } catch (error) {
    if (hasStatus(error, 404)) return false;
    throw error;
  }
}

/**
 * Records a stop intent and returns the one that holds: this one, or an earlier one (a kill after a
 * timeout stays a timeout).
 */
export async function recordStopIntent(
  engine: DockerEngine,
  container: string,
  intent: StopIntent,
  signal?: AbortSignal,
): Promise<StopIntent> {
  const { body } = await engine.request<VolumeBody>('POST', '/volumes/create', {
    body: {
      Name: stopVolume(container),
      Labels: {
        [MANAGED_LABEL]: 'true',
        [EXECUTION_LABEL]: container,
        [STOP_CODE_LABEL]: intent.stopCode,
        [STOP_REASON_LABEL]: intent.reason,
        [STOP_AT_LABEL]: String(intent.requestedAt),
        ...(intent.signal !== undefined ? { [STOP_SIGNAL_LABEL]: intent.signal } : {}),
        ...(intent.graceSeconds !== undefined ? { [STOP_GRACE_LABEL]: String(intent.graceSeconds) } : {}),
      },
    },
    signal,
  });
  return intentFromLabels(body?.Labels) ?? intent;
}

/** The stop intent of a task, if one was recorded. */
export async function readStopIntent(
  engine: DockerEngine,
  container: string,
  signal?: AbortSignal,
): Promise<StopIntent | undefined> {
  try {
    const { body } = await engine.request<VolumeBody>(
      'GET',
      `/volumes/${encodeURIComponent(stopVolume(container))}`,
      { signal },
    );
    return intentFromLabels(body?.Labels);
  } catch (error) {
    if (hasStatus(error, 404)) return undefined;
    throw error;
  }
}

/**
 * Claims the stdin of an interactive task for one `attachStdin`: true for the first caller ever, false for
 * every later one (in any process).
 */
export async function claimStdin(
  engine: DockerEngine,
  container: string,
  signal?: AbortSignal,
): Promise<boolean> {
  const nonce = randomBytes(16).toString('hex');
  const { body } = await engine.request<VolumeBody>('POST', '/volumes/create', {
    body: {
      Name: stdinVolume(container),
      Labels: { [MANAGED_LABEL]: 'true', [EXECUTION_LABEL]: container, [CLAIM_LABEL]: nonce },
    },
    signal,
  });
  return body?.Labels?.[CLAIM_LABEL] === nonce;
}

/** Gives a claim back when the attach failed before any input reached the engine, so a retry can attach. */
export async function releaseStdin(engine: DockerEngine, container: string): Promise<void> {
  try {
    await engine.request('DELETE', `/volumes/${encodeURIComponent(stdinVolume(container))}`);
  } catch (error) {
    if (!hasStatus(error, 404)) throw error;
  }
}

/** Removes the records of a task (after its container was removed). Missing ones are fine. */
export async function removeTaskRecords(
  engine: DockerEngine,
  container: string,
  signal?: AbortSignal,
): Promise<void> {
  for (const name of [stdinVolume(container), stopVolume(container), recordVolume(container)]) {
    try {
      await engine.request('DELETE', `/volumes/${encodeURIComponent(name)}`, { signal });
    } catch (error) {
      if (!hasStatus(error, 404)) throw error;
    }
  }
}

function intentFromLabels(labels: Record<string, string> | null | undefined): StopIntent | undefined {
  const stopCode = labels?.[STOP_CODE_LABEL];
  if (stopCode !== 'USER_INITIATED' && stopCode !== 'TIMED_OUT') return undefined;
  const signal = labels?.[STOP_SIGNAL_LABEL];
  const grace = Number(labels?.[STOP_GRACE_LABEL] ?? Number.NaN);
  return {
    stopCode,
    reason: labels?.[STOP_REASON_LABEL] ?? '',
    requestedAt: Number(labels?.[STOP_AT_LABEL] ?? 0),
    ...(signal !== undefined && Object.hasOwn(STOP_SIGNALS, signal) ? { signal: signal as StopSignal } : {}),
    ...(Number.isSafeInteger(grace) && grace >= 0 ? { graceSeconds: grace } : {}),
  };
}

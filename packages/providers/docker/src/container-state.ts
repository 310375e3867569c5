import type { TaskDescription } from '@taskport/core';
import type { StopIntent } from './task-records.js';

/** The part of `GET /containers/{id}/json` taskport reads. */
export interface ContainerInspect {
  Id: string;
  Name: string;
  Created: string;
  Image: string;
  State: {
    Status: string;
    Running?: boolean;
    OOMKilled?: boolean;
    Dead?: boolean;
    Pid?: number;
    ExitCode?: number;
    Error?: string;
    StartedAt?: string;
    FinishedAt?: string;
  };
  Config: { Image?: string; Labels?: Record<string, string> | null };
  HostConfig?: { Memory?: number };
}

/** Container names taskport creates (`taskport-` + 32 hex); also the only execution ids it accepts. */
export const EXECUTION_ID = /^taskport-[0-9a-f]{32}$/;

/** Labels taskport puts on its containers (besides the user's). */
export const LABELS = {
  managed: 'taskport.managed',
  execution: 'taskport.execution',
  requestId: 'taskport.request-id',
  createdBy: 'taskport.created-by',
  imageId: 'taskport.image-id',
  fingerprint: 'taskport.fingerprint',
  timeoutSeconds: 'taskport.timeout-seconds',
  deadline: 'taskport.deadline',
  /** Started with `interactive: true`: its stdin waits for one `attachStdin`. */
  interactive: 'taskport.interactive',
} as const;

/** What describe found that someone has to act on: a stop that did not happen (yet). */
export type Enforcement =
  | { kind: 'none' }
  /** A stop was asked for, and the container still runs well after the grace period. */
  | { kind: 'stop-again'; intent: StopIntent }
  /** The deadline has passed and nobody stopped the container (the watchdog is gone). */
  | { kind: 'timeout' };

export interface ContainerTaskState {
  description: TaskDescription;
  enforce: Enforcement;
}

export interface StateContext {
  /** Unix ms. */
  now: number;
  intent: StopIntent | undefined;
  /** SIGTERM -> SIGKILL grace, ms, where the recorded stop chose none. */
  graceMs: number;
  /** A created container nobody started within this is FAILED_TO_START. */
  startGraceMs: number;
  details: Record<string, string>;
}

/** How long past its deadline (or its stop's grace period) a container may run before a read acts. */
const ENFORCE_SLACK_MS = 3000;

/** Go's zero time: the engine's "never". */
function engineTime(value: string | undefined): number | undefined {
  if (!value || value.startsWith('0001-01-01')) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Maps an inspected container (plus its recorded stop intent) to a TaskDescription. Provider truth only:
 * the exit code is the engine's, `null` where it has none, and a stop taskport asked for is told apart
 * from the command's own exit by the recorded intent, never by guessing from 137/143.
 */
export function describeContainer(inspect: ContainerInspect, context: StateContext): ContainerTaskState {
  const { now, intent, details } = context;
  const state = inspect.State;
  const startedAt = engineTime(state.StartedAt);
  const finishedAt = engineTime(state.FinishedAt);
  const createdAt = engineTime(inspect.Created) ?? now;
  const labels = inspect.Config.Labels ?? {};
  const deadline = Number(labels[LABELS.deadline]);
  const timing = {
    ...(startedAt !== undefined ? { startedAt: iso(startedAt) } : {}),
  };
  const none: Enforcement = { kind: 'none' };

  switch (state.Status) {
    case 'created': {
      if (state.Error) {
        return {
          description: {
            status: 'FAILED',
            exitCode: null,
            stopCode: 'FAILED_TO_START',
            stoppedAt: iso(finishedAt ?? createdAt),
            reason: `the engine could not start the container: ${state.Error}`,
            details,
          },
          enforce: none,
        };
      }
      if (intent) {
        return {
          description: {
            status: intent.stopCode === 'TIMED_OUT' ? 'FAILED' : 'STOPPED',
            exitCode: null,
            stopCode: intent.stopCode,
            stoppedAt: iso(intent.requestedAt),
            reason: `${intent.reason} before it started`,
            details,
          },
          enforce: none,
        };
      }
      if (now - createdAt > context.startGraceMs) {
        return {
          description: {
            status: 'FAILED',
            exitCode: null,
            stopCode: 'FAILED_TO_START',
            stoppedAt: iso(createdAt + context.startGraceMs),
            reason: `the container was created but not started within ${Math.round(context.startGraceMs / 1000)} s (the process starting it went away)`,
            details,
          },
          enforce: none,
        };
      }
      return { description: { status: 'STARTING', exitCode: null, details }, enforce: none };
    }
    case 'running':
    case 'paused':
    case 'restarting': {
      if (intent) {
        // A kill that chose its grace period is overdue only after that one.
        const graceMs = intent.graceSeconds !== undefined ? intent.graceSeconds * 1000 : context.graceMs;
        const overdue = now - intent.requestedAt > graceMs + ENFORCE_SLACK_MS;
        return {
          description: {
            status: 'TERMINATING',
            exitCode: null,
            ...timing,
            reason: `${intent.reason}; waiting for the container to stop`,
            details,
          },
          enforce: overdue ? { kind: 'stop-again', intent } : none,
        };
      }
      const overdue = Number.isFinite(deadline) && deadline > 0 && now > deadline + ENFORCE_SLACK_MS;
      return {
        description: {
          status: 'RUNNING',
          exitCode: null,
          ...timing,
          ...(state.Status === 'paused' ? { reason: 'the container is paused' } : {}),
          details,
        },
        enforce: overdue ? { kind: 'timeout' } : none,
      };
    }
    default: {
      // exited, dead, removing: the container has ended.
      const exitCode = typeof state.ExitCode === 'number' ? state.ExitCode : null;
      // The engine stamps StartedAt once its start call returns, so a command that exits at once can
      // have a FinishedAt slightly before it: an end never precedes the start.
      const ended = Math.max(finishedAt ?? 0, startedAt ?? 0) || createdAt;
      const stoppedAt = iso(ended);
      if (startedAt === undefined && state.Error) {
        return {
          description: {
            status: 'FAILED',
            exitCode: null,
            stopCode: 'FAILED_TO_START',
            stoppedAt,
            reason: `the engine could not start the container: ${state.Error}`,
            details,
          },
          enforce: none,
        };
      }
      // An intent recorded after the container had already ended by itself does not change how it ended.
      if (intent && intent.requestedAt <= ended + 1) {
        const exit = exitCode === null ? '' : ` (exit code ${exitCode})`;
        return {
          description: {
            status: intent.stopCode === 'TIMED_OUT' ? 'FAILED' : 'STOPPED',
            exitCode,
            ...timing,
            stopCode: intent.stopCode,
            stoppedAt,
            reason: `${intent.reason}${exit}`,
            details,
          },
          enforce: none,
        };
      }
      if (state.Status === 'dead') {
        return {
          description: {
            status: 'FAILED',
            exitCode,
            ...timing,
            stopCode: 'RUNTIME_LOST',
            stoppedAt,
            reason: `the engine marked the container dead${state.Error ? `: ${state.Error}` : ''}`,
            details,
          },
          enforce: none,
        };
      }
      if (state.OOMKilled) {
        const limit = inspect.HostConfig?.Memory
          ? ` of ${Math.round(inspect.HostConfig.Memory / 1048576)} MiB`
          : '';
        return {
          description: {
            status: 'FAILED',
            exitCode,
            ...timing,
            stopCode: 'EXITED',
            stoppedAt,
            reason: `killed by the kernel for running out of memory (OOMKilled; memory limit${limit})`,
            details,
          },
          enforce: none,
        };
      }
      return {
        description: {
          status: exitCode === 0 ? 'SUCCEEDED' : 'FAILED',
          exitCode,
          ...timing,
          stopCode: 'EXITED',
          stoppedAt,
          reason: exitCode === null ? 'the engine reports no exit code' : `exited with code ${exitCode}`,
          details,
        },
        enforce: none,
      };
    }
  }
}

import type { Execution } from './execution.js';
import { displayCommand } from './execution-request.js';
import type { ExecutionStatus } from './execution-status.js';
import type { StopCode } from './task-description.js';

/**
 * The public JSON shape of an execution: the HTTP API's `Execution` and the CLI's `--json` (documented in
 * apps/cli/README.md). Built field by field rather than dumped from the record, so it stays stable when
 * the record grows and environment values (only their names are public) are never sent.
 */
export interface ExecutionJson {
  executionId: string;
  status: ExecutionStatus;
  exitCode: number | null;
  stopCode: StopCode | null;
  reason: string | null;
  command: string | string[];
  /** The command on one line, for display. */
  commandLine: string;
  image: string;
  imageId: string;
  executor: string;
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  /** From `startedAt` (else `createdAt`) to `completedAt`, whole ms; null until it completed. */
  durationMs: number | null;
  timeoutSeconds: number | null;
  workingDir: string | null;
  requestId: string;
  labels: Record<string, string>;
  envKeys: string[];
}

export function executionJson(e: Execution): ExecutionJson {
  const started = Date.parse(e.startedAt ?? e.createdAt);
  const completed = e.completedAt ? Date.parse(e.completedAt) : Number.NaN;
  const duration = Number.isFinite(started) && Number.isFinite(completed) ? completed - started : null;
  return {
    executionId: e.executionId,
    status: e.status,
    exitCode: e.exitCode ?? null,
    stopCode: e.stopCode ?? null,
    reason: e.reason ?? null,
    command: typeof e.command === 'string' ? e.command : [...e.command],
    commandLine: displayCommand(e.command),
    image: e.image,
    imageId: e.imageId,
    executor: e.executor,
    createdBy: e.createdBy,
    createdAt: e.createdAt,
    startedAt: e.startedAt ?? null,
    completedAt: e.completedAt ?? null,
    durationMs: duration === null ? null : Math.max(0, Math.round(duration)),
    timeoutSeconds: e.timeoutSeconds ?? null,
    workingDir: e.workingDir ?? null,
    requestId: e.requestId,
    labels: { ...e.labels },
    envKeys: [...e.envKeys],
  };
}

import {
  displayCommand,
  type Execution,
  type ImageInfo,
  type LogEvent,
  type ReconcileResult,
} from '@taskport/core';
import { durationBetween } from './format.js';

/**
 * The documented `--json` shapes (apps/cli/README.md). They are built field by field rather than
 * dumped from the records, so they stay stable when the records grow, and so nothing secret leaks:
 * environment values are never printed, only their names.
 */

export interface ExecutionJson {
  executionId: string;
  status: string;
  exitCode: number | null;
  stopCode: string | null;
  reason: string | null;
  command: string | string[];
  commandLine: string;
  image: string;
  imageId: string;
  executor: string;
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
  timeoutSeconds: number | null;
  workingDir: string | null;
  requestId: string;
  labels: Record<string, string>;
  envKeys: string[];
}

export function executionJson(e: Execution): ExecutionJson {
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
    durationMs: durationBetween(e.startedAt ?? e.createdAt, e.completedAt) ?? null,
    timeoutSeconds: e.timeoutSeconds ?? null,
    workingDir: e.workingDir ?? null,
    requestId: e.requestId,
    labels: { ...e.labels },
    envKeys: [...e.envKeys],
  };
}

export interface ImageJson {
  imageId: string;
  image: string;
  reference: string;
  isDefault: boolean;
  cpu: number;
  memory: number;
  platform: string;
  taskRole: string | null;
  executionRole: string | null;
  registeredBy: string;
  createdAt: string;
  providerRef: string | null;
}

export function imageJson(i: ImageInfo): ImageJson {
  return {
    imageId: i.imageId,
    image: i.image,
    reference: i.reference,
    isDefault: i.isDefault,
    cpu: i.cpu,
    memory: i.memory,
    platform: i.platform,
    taskRole: i.taskRole ?? null,
    executionRole: i.executionRole ?? null,
    registeredBy: i.registeredBy,
    createdAt: i.createdAt,
    providerRef: i.providerRef ?? null,
  };
}

export interface LogEventJson {
  timestamp: number;
  stream: 'stdout' | 'stderr';
  /** The line as text (invalid UTF-8 shown as U+FFFD, no line end). */
  message: string;
  eventId: string;
  /** Only when `message` + "\n" is not the exact output: those bytes, line end included. */
  bytes?: string;
  encoding?: 'base64';
}

export function logEventJson(e: LogEvent): LogEventJson {
  const json: LogEventJson = {
    timestamp: e.timestamp,
    stream: e.stream ?? 'stdout',
    message: e.message,
    eventId: e.eventId,
  };
  if (e.raw) {
    json.bytes = Buffer.from(e.raw.buffer, e.raw.byteOffset, e.raw.byteLength).toString('base64');
    json.encoding = 'base64';
  }
  return json;
}

export interface ReconcileJson {
  requestId: string;
  /** Unfinished executions looked at. */
  checked: number;
  /** Those whose status moved, in the order they were checked. */
  changed: { executionId: string; from: string; to: string }[];
}

export function reconcileJson(r: ReconcileResult): ReconcileJson {
  return {
    requestId: r.requestId,
    checked: r.checked,
    changed: r.changed.map((c) => ({ executionId: c.executionId, from: c.from, to: c.to })),
  };
}

/** Pretty-printed JSON plus a newline, for one document on stdout. */
export function toJsonDocument(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

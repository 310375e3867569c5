import type { ImageInfo, LogEvent, ReconcileResult } from '@taskport/core';

/**
 * The documented `--json` shapes (apps/cli/README.md). They are built field by field rather than
 * dumped from the records, so they stay stable when the records grow, and so nothing secret leaks:
 * environment values are never printed, only their names.
 */

/** The Execution shape is core's, shared with the HTTP API. */
export { type ExecutionJson, executionJson } from '@taskport/core';

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

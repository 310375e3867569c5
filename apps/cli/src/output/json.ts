import type { ReconcileResult } from '@taskport/core';

/**
 * The documented `--json` shapes (apps/cli/README.md). They are built field by field rather than
 * dumped from the records, so they stay stable when the records grow, and so nothing secret leaks:
 * environment values are never printed, only their names.
 */

/** The Execution, image and log event shapes are core's, shared with the HTTP API. */
export {
  type ExecutionJson,
  executionJson,
  type ImageJson,
  imageJson,
  type LogEventJson,
  logEventJson,
} from '@taskport/core';

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

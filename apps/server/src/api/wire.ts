import {
  type Execution,
  type ImageInfo,
  type LogEvent,
  executionJson as toExecutionJson,
  imageJson as toImageJson,
  logEventJson as toLogEventJson,
} from '@taskport/core';
import { encodeLogCursor } from '../logs/log-cursor.js';
import type { ExecutionJson, ImageJson, LogEventJson } from './schemas.js';

/**
 * Records to their wire shapes, field by field (as the CLI's `--json` does), so the API stays stable
 * when the records grow and nothing that is not meant for clients (env values) is ever sent.
 */

/** The one Execution shape, shared with the CLI's `--json` (core's `executionJson`); the schema checks it. */
export function executionJson(e: Execution): ExecutionJson {
  return toExecutionJson(e);
}

/** The one image shape, shared with the CLI's `--json` (core's `imageJson`). */
export function imageJson(i: ImageInfo): ImageJson {
  return toImageJson(i);
}

/** Core's log event shape (exact bytes in base64 where the text is not them) plus the resume cursor. */
export function logEventJson(e: LogEvent): LogEventJson {
  return { ...toLogEventJson(e), cursor: encodeLogCursor(e) };
}

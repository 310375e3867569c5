import {
  type Execution,
  type ImageInfo,
  type LogEvent,
  executionJson as toExecutionJson,
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

export function logEventJson(e: LogEvent): LogEventJson {
  return {
    timestamp: e.timestamp,
    stream: e.stream ?? 'stdout',
    message: e.message,
    eventId: e.eventId,
    cursor: encodeLogCursor(e),
  };
}

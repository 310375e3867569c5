import { displayCommand, type Execution, type ImageInfo, type LogEvent } from '@taskport/core';
import { encodeLogCursor } from '../logs/log-cursor.js';
import type { ExecutionJson, ImageJson, LogEventJson } from './schemas.js';

/**
 * Records to their wire shapes, field by field (as the CLI's `--json` does), so the API stays stable
 * when the records grow and nothing that is not meant for clients (env values) is ever sent.
 */

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

import {
  type Execution,
  type ExecutionStatus,
  type ImageInfo,
  type LogEvent,
  logEventFromJson,
  type Platform,
  type StopCode,
} from '@taskport/core';
import type { ExecutionJson, ImageJson, LogEventJson } from '@taskport/server';

/** The API's JSON shapes back to the records the commands print (absent fields stay absent). */

export function toExecution(j: ExecutionJson): Execution {
  return {
    executionId: j.executionId,
    status: j.status as ExecutionStatus,
    command: j.command,
    imageId: j.imageId,
    image: j.image,
    createdBy: j.createdBy,
    executor: j.executor,
    createdAt: j.createdAt,
    ...(j.startedAt ? { startedAt: j.startedAt } : {}),
    ...(j.completedAt ? { completedAt: j.completedAt } : {}),
    exitCode: j.exitCode,
    ...(j.stopCode ? { stopCode: j.stopCode as StopCode } : {}),
    ...(j.reason ? { reason: j.reason } : {}),
    requestId: j.requestId,
    labels: j.labels,
    envKeys: j.envKeys,
    // Values never leave the server; the names are all a client may know.
    env: {},
    ...(j.timeoutSeconds !== null ? { timeoutSeconds: j.timeoutSeconds } : {}),
    ...(j.workingDir ? { workingDir: j.workingDir } : {}),
  };
}

export function toImageInfo(j: ImageJson): ImageInfo {
  const [registry, ...rest] = j.reference.split('/');
  const repositoryAndTag = rest.join('/');
  return {
    imageId: j.imageId,
    image: j.image,
    reference: j.reference,
    registry: registry ?? '',
    repository: repositoryAndTag.replace(/[:@].*$/, ''),
    isDefault: j.isDefault,
    cpu: j.cpu,
    memory: j.memory,
    platform: j.platform as Platform,
    ...(j.taskRole ? { taskRole: j.taskRole } : {}),
    ...(j.executionRole ? { executionRole: j.executionRole } : {}),
    registeredBy: j.registeredBy,
    createdAt: j.createdAt,
    ...(j.providerRef ? { providerRef: j.providerRef } : {}),
  };
}

export function toLogEvent(j: LogEventJson): LogEvent {
  return logEventFromJson(j);
}

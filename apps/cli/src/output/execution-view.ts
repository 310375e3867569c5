import { displayCommand, type Execution, type ImageInfo } from '@taskport/core';
import { type Style, styleStatus } from './colour.js';
import { durationBetween, formatAge, formatDuration } from './format.js';
import { renderFields, renderTable } from './table.js';

/** `SUCCEEDED (exit 0)`, `FAILED (exit 3)`, `RUNNING`. */
export function statusText(style: Style, e: Execution): string {
  const exit = e.exitCode !== null ? ` (exit ${e.exitCode})` : '';
  return `${styleStatus(style, e.status)}${exit}`;
}

export function executionFields(style: Style, e: Execution): string {
  const duration = durationBetween(e.startedAt ?? e.createdAt, e.completedAt);
  const labels = Object.entries(e.labels).map(([k, v]) => `${k}=${v}`);
  return renderFields([
    ['Execution', style.bold(e.executionId)],
    ['Status', statusText(style, e)],
    ['Stop code', e.stopCode],
    ['Reason', e.reason],
    ['Command', displayCommand(e.command)],
    ['Image', e.image === e.imageId ? e.image : `${e.image} ${style.dim(`(${e.imageId})`)}`],
    ['Executor', e.executor],
    ['Workdir', e.workingDir],
    ['Created', `${e.createdAt} ${style.dim(`(${formatAge(e.createdAt)})`)} by ${e.createdBy}`],
    ['Started', e.startedAt],
    ['Completed', e.completedAt],
    ['Duration', duration === undefined ? undefined : formatDuration(duration)],
    ['Timeout', e.timeoutSeconds === undefined ? undefined : formatDuration(e.timeoutSeconds * 1000)],
    ['Labels', labels.length > 0 ? labels.join(', ') : undefined],
    ['Env', e.envKeys.length > 0 ? e.envKeys.join(', ') : undefined],
    ['Request', e.requestId],
  ]);
}

export function executionTable(style: Style, executions: Execution[], width: number | undefined): string {
  const rows = executions.map((e) => {
    const duration = durationBetween(e.startedAt ?? e.createdAt, e.completedAt);
    return [
      e.executionId,
      styleStatus(style, e.status),
      e.exitCode === null ? '-' : String(e.exitCode),
      e.imageId,
      formatAge(e.createdAt),
      duration === undefined ? '-' : formatDuration(duration),
      displayCommand(e.command),
    ];
  });
  return renderTable(
    ['EXECUTION', 'STATUS', 'EXIT', 'IMAGE', 'CREATED', 'DURATION', 'COMMAND'].map((h) => style.bold(h)),
    rows,
    width ? { width } : {},
  );
}

export function imageFields(style: Style, i: ImageInfo): string {
  return renderFields([
    ['Image ID', style.bold(i.imageId)],
    ['Image', i.image],
    ['Reference', i.reference],
    ['Default', i.isDefault ? style.green('yes') : 'no'],
    ['CPU', `${i.cpu} units (${i.cpu / 1024} vCPU)`],
    ['Memory', `${i.memory} MiB`],
    ['Platform', i.platform],
    ['Task role', i.taskRole],
    ['Execution role', i.executionRole],
    ['Provider ref', i.providerRef],
    ['Registered', `${i.createdAt} ${style.dim(`(${formatAge(i.createdAt)})`)} by ${i.registeredBy}`],
  ]);
}

export function imageTable(style: Style, images: ImageInfo[], width: number | undefined): string {
  const rows = images.map((i) => [
    i.imageId,
    i.isDefault ? style.green('*') : '',
    String(i.cpu),
    String(i.memory),
    i.platform,
    formatAge(i.createdAt),
    i.image,
  ]);
  return renderTable(
    ['IMAGE ID', 'DEFAULT', 'CPU', 'MEMORY', 'PLATFORM', 'REGISTERED', 'IMAGE'].map((h) => style.bold(h)),
    rows,
    width ? { width } : {},
  );
}

/** Width to fit tables to: the terminal's, or none when stdout is not a terminal. */
export function terminalWidth(stream: NodeJS.WriteStream): number | undefined {
  return stream.isTTY ? stream.columns : undefined;
}

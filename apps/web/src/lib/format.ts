import type { Execution } from './api/types.js';

/** `3 s`, `4 min 05 s`, `2 h 03 min`: short enough for a table cell. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  const s = Math.floor(ms / 1000);
  if (s < 60) return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${String(m % 60).padStart(2, '0')} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** How long an execution ran (or has been running), from its start (or creation) to its end (or now). */
export function executionDuration(execution: Execution, now = Date.now()): number | undefined {
  const from = Date.parse(execution.startedAt ?? execution.createdAt);
  if (Number.isNaN(from)) return undefined;
  const to = execution.completedAt ? Date.parse(execution.completedAt) : now;
  return Number.isNaN(to) ? undefined : Math.max(0, to - from);
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });

/** `5 min ago`; the absolute time goes in a title / <time datetime>. */
export function formatRelative(iso: string, now = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.round((t - now) / 1000);
  const abs = Math.abs(s);
  if (abs < 45) return relative.format(s, 'second');
  if (abs < 45 * 60) return relative.format(Math.round(s / 60), 'minute');
  if (abs < 22 * 3600) return relative.format(Math.round(s / 3600), 'hour');
  return relative.format(Math.round(s / 86400), 'day');
}

export function formatDateTime(iso: string | undefined): string {
  if (!iso) return '';
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? iso : t.toLocaleString();
}

/** The argv a command runs as (a string goes through `/bin/sh -c`). */
export function commandArgv(command: string | readonly string[]): string[] {
  return typeof command === 'string' ? ['/bin/sh', '-c', command] : [...command];
}

/** One line for lists; arrays are shell-quoted for reading only. */
export function displayCommand(command: string | readonly string[]): string {
  if (typeof command === 'string') return command;
  return command.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}

/** Parses `KEY=value` lines (or comma-separated pairs) into a record; returns the bad entries too. */
export function parsePairs(
  text: string,
  separators = /\r?\n|,/,
): { pairs: Record<string, string>; bad: string[] } {
  const pairs: Record<string, string> = {};
  const bad: string[] = [];
  for (const raw of text.split(separators)) {
    const entry = raw.trim();
    if (!entry) continue;
    const eq = entry.indexOf('=');
    if (eq <= 0) {
      bad.push(entry);
      continue;
    }
    pairs[entry.slice(0, eq).trim()] = entry.slice(eq + 1);
  }
  return { pairs, bad };
}

import { ALL_EXECUTION_STATUSES, type ExecutionStatus, isExecutionStatus } from '@taskport/core';
import { listOption, parseInteger, parseKeyValues, stringOption } from '../args.js';
import type { Command } from '../command.js';
import { executionTable, terminalWidth } from '../output/execution-view.js';
import { executionJson, toJsonDocument } from '../output/json.js';
import { UsageError } from '../usage-error.js';

export const command: Command = {
  name: 'list',
  summary: 'List executions, newest first.',
  usage: 'list [--status S]... [--label k=v]... [--limit N] [--cursor C] [--json]',
  details: `Statuses are provider truth: rows that are not final yet are read from the executor in one batch
(and their records brought up to date) before they are printed. A page of finished rows costs no provider call.`,
  options: {
    status: {
      type: 'string',
      short: 's',
      multiple: true,
      value: 'S',
      description: `only these statuses, comma-separated or repeated: ${ALL_EXECUTION_STATUSES.join(', ')}`,
    },
    label: {
      type: 'string',
      short: 'l',
      multiple: true,
      value: 'k=v',
      description: 'only executions with this label (repeat: all of them)',
    },
    limit: {
      type: 'string',
      short: 'n',
      value: 'N',
      description: 'at most N executions, 1-1000 (default 20)',
    },
    cursor: { type: 'string', value: 'C', description: 'continue after a previous page (its nextCursor)' },
    json: {
      type: 'boolean',
      description: 'print {"executions": [<execution>...], "nextCursor": string|null} as JSON',
    },
  },
  maxPositionals: 0,
  examples: [
    'taskport list',
    'taskport list --status running,starting',
    'taskport list --status failed --limit 5 --json',
    'taskport list --label team=data --label env=prod',
  ],
  run: async ({ values }, context) => {
    const status = parseStatuses(listOption(values, 'status'));
    const labels = parseKeyValues('--label', listOption(values, 'label'));
    const limitText = stringOption(values, 'limit');
    const limit = limitText === undefined ? 20 : parseInteger('--limit', limitText, 1, 1000);
    const cursor = stringOption(values, 'cursor');
    const taskport = await context.open();
    const page = await taskport.service.listExecutions({
      limit,
      ...(status.length > 0 ? { status } : {}),
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      ...(cursor ? { cursor } : {}),
    });
    if (values.json) {
      context.stdout.write(
        toJsonDocument({ executions: page.items.map(executionJson), nextCursor: page.nextCursor ?? null }),
      );
      return 0;
    }
    const filtered = status.length > 0 || Object.keys(labels).length > 0;
    if (page.items.length === 0 && !page.nextCursor) {
      context.stderr.write(
        cursor
          ? 'no more executions\n'
          : filtered
            ? `no executions match ${describeFilter(status, labels)}\n`
            : "no executions yet; start one with 'taskport run -- <command>'\n",
      );
      return 0;
    }
    if (page.items.length > 0)
      context.stdout.write(executionTable(context.out, page.items, terminalWidth(context.stdout)));
    if (page.nextCursor) {
      // The hint repeats every filter, so the next page is of the same list.
      const again = [
        'taskport list',
        ...status.map((s) => `--status ${s}`),
        ...Object.entries(labels).map(([k, v]) => `--label ${shellWord(`${k}=${v}`)}`),
        ...(limitText !== undefined ? [`--limit ${limit}`] : []),
        `--cursor ${page.nextCursor}`,
      ];
      context.stderr.write(context.err.dim(`more: ${again.join(' ')}\n`));
    }
    return 0;
  },
};

function describeFilter(status: string[], labels: Record<string, string>): string {
  const parts = [
    ...(status.length > 0 ? [`--status ${status.join(',')}`] : []),
    ...Object.entries(labels).map(([k, v]) => `--label ${k}=${v}`),
  ];
  return parts.join(' ');
}

/** A word as a POSIX shell reads it back: bare when safe, else single-quoted. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function parseStatuses(items: string[]): ExecutionStatus[] {
  const out: ExecutionStatus[] = [];
  for (const raw of items.flatMap((item) => item.split(','))) {
    const status = raw.trim().toUpperCase();
    if (status === '') continue;
    if (!isExecutionStatus(status)) {
      throw new UsageError(
        `--status "${raw.trim()}" is not a status; use ${ALL_EXECUTION_STATUSES.join(', ')}`,
      );
    }
    if (!out.includes(status)) out.push(status);
  }
  return out;
}

import { ALL_EXECUTION_STATUSES, type ExecutionStatus, isExecutionStatus } from '@taskport/core';
import { listOption, parseInteger, stringOption } from '../args.js';
import type { Command } from '../command.js';
import { executionTable, terminalWidth } from '../output/execution-view.js';
import { executionJson, toJsonDocument } from '../output/json.js';
import { UsageError } from '../usage-error.js';

export const command: Command = {
  name: 'list',
  summary: 'List executions, newest first.',
  usage: 'list [--status S]... [--limit N] [--cursor C] [--json]',
  options: {
    status: {
      type: 'string',
      short: 's',
      multiple: true,
      value: 'S',
      description: `only these statuses, comma-separated or repeated: ${ALL_EXECUTION_STATUSES.join(', ')}`,
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
  ],
  run: async ({ values }, context) => {
    const status = parseStatuses(listOption(values, 'status'));
    const limitText = stringOption(values, 'limit');
    const limit = limitText === undefined ? 20 : parseInteger('--limit', limitText, 1, 1000);
    const cursor = stringOption(values, 'cursor');
    const taskport = await context.open();
    const page = await taskport.service.listExecutions({
      limit,
      ...(status.length > 0 ? { status } : {}),
      ...(cursor ? { cursor } : {}),
    });
    if (values.json) {
      context.stdout.write(
        toJsonDocument({ executions: page.items.map(executionJson), nextCursor: page.nextCursor ?? null }),
      );
      return 0;
    }
    if (page.items.length === 0) {
      context.stderr.write(
        cursor ? 'no more executions\n' : "no executions yet; start one with 'taskport run -- <command>'\n",
      );
      return 0;
    }
    context.stdout.write(executionTable(context.out, page.items, terminalWidth(context.stdout)));
    if (page.nextCursor)
      context.stderr.write(context.err.dim(`more: taskport list --cursor ${page.nextCursor}\n`));
    return 0;
  },
};

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

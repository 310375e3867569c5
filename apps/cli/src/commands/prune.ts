import { parseDurationSeconds, stringOption } from '../args.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { toJsonDocument } from '../output/json.js';
import { UsageError } from '../usage-error.js';

export const command: Command = {
  name: 'prune',
  summary: 'Remove finished executions older than a duration, with their output and backend lines.',
  usage: 'prune --older-than DURATION [--dry-run] [--json]',
  details: `Removes every finished execution created more than DURATION ago (its record, its output, the
executor's task record) and taskport's own log lines older than that. Running executions are never touched.
With TASKPORT_RETENTION set (e.g. 30d), run applies the same retention after each execution, and
prune without --older-than uses it.`,
  options: {
    'older-than': { type: 'string', value: 'DURATION', description: 'e.g. 7d, 12h (env TASKPORT_RETENTION)' },
    'dry-run': { type: 'boolean', description: 'list what would be removed and remove nothing' },
    json: {
      type: 'boolean',
      description: 'print {"before", "executions": [id...], "backendLines", "dryRun"} as JSON',
    },
  },
  maxPositionals: 0,
  examples: ['taskport prune --older-than 7d', 'taskport prune --older-than 30d --dry-run'],
  run: async ({ values }, context) => {
    const text = stringOption(values, 'older-than') ?? context.env.TASKPORT_RETENTION?.trim();
    if (!text) throw new UsageError('prune needs --older-than DURATION (e.g. 7d), or TASKPORT_RETENTION set');
    const before = Date.now() - parseDurationSeconds('--older-than', text) * 1000;
    const dryRun = values['dry-run'] === true;
    const taskport = await context.open();
    const result = await taskport.service.pruneExecutions({ before, dryRun });
    if (values.json) {
      context.stdout.write(toJsonDocument({ ...result, dryRun }));
      return EXIT.OK;
    }
    for (const id of result.executions) context.stdout.write(`${id}\n`);
    context.stderr.write(
      dryRun
        ? `would remove ${result.executions.length} execution(s) created before ${result.before}\n`
        : `removed ${result.executions.length} execution(s) created before ${result.before} and ${result.backendLines} backend line(s)\n`,
    );
    return EXIT.OK;
  },
};

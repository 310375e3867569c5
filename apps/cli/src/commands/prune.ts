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
Without --older-than, the deployment's retention period is used: TASKPORT_RETENTION, else retention: in
taskport.yaml, else 30d. The same retention is applied automatically, at most once an hour, after a run
(and every hour by taskport server); retention: off keeps everything.`,
  options: {
    'older-than': {
      type: 'string',
      value: 'DURATION',
      description: 'e.g. 7d, 12h (default: the retention period)',
    },
    'dry-run': { type: 'boolean', description: 'list what would be removed and remove nothing' },
    json: {
      type: 'boolean',
      description: 'print {"before", "executions": [id...], "backendLines", "dryRun"} as JSON',
    },
  },
  maxPositionals: 0,
  examples: ['taskport prune --older-than 7d', 'taskport prune --older-than 30d --dry-run'],
  run: async ({ values }, context) => {
    const text = stringOption(values, 'older-than');
    const dryRun = values['dry-run'] === true;
    const taskport = await context.open();
    let seconds: number;
    if (text !== undefined) {
      seconds = parseDurationSeconds('--older-than', text);
    } else {
      const retention = taskport.config?.retention;
      if (!retention) throw new UsageError('prune needs --older-than DURATION (e.g. 7d) with a server');
      if (retention.seconds === null) {
        throw new UsageError(
          `retention is off (${retention.source === 'env' ? 'TASKPORT_RETENTION' : 'taskport.yaml'}); give --older-than DURATION to prune anyway`,
        );
      }
      seconds = retention.seconds;
    }
    const before = Date.now() - seconds * 1000;
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

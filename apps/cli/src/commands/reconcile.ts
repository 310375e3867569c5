import type { Command } from '../command.js';
import { styleStatus } from '../output/colour.js';
import { reconcileJson, toJsonDocument } from '../output/json.js';

export const command: Command = {
  name: 'reconcile',
  summary: 'Bring every unfinished execution up to date with its provider.',
  usage: 'reconcile [--json]',
  details: `Asks the provider about every execution that is not finished yet (STARTING, RUNNING, TERMINATING)
and records what it says: a task whose supervisor or container vanished becomes FAILED (RUNTIME_LOST), one
that ended unnoticed gets its final status, and overdue tasks are stopped where the provider enforces
timeouts on read. Every other command does this for the executions it touches; run this one on a schedule
where no long-lived process watches tasks. Prints one line per execution whose status moved (on stdout)
and a summary (on stderr); exits 0 whether or not anything moved.`,
  options: {
    json: {
      type: 'boolean',
      description: 'print {"requestId", "checked", "changed": [{"executionId", "from", "to"}...]} as JSON',
    },
  },
  maxPositionals: 0,
  examples: [
    'taskport reconcile',
    'taskport reconcile --json | jq -r \'.changed[] | select(.to == "FAILED") | .executionId\'',
    'taskport --data-dir /var/lib/taskport reconcile',
  ],
  run: async ({ values }, context) => {
    const taskport = await context.open();
    const result = await taskport.service.reconcileExecutions();
    if (values.json) {
      context.stdout.write(toJsonDocument(reconcileJson(result)));
      return 0;
    }
    const { out, err } = context;
    const width = Math.max(0, ...result.changed.map((change) => change.executionId.length));
    for (const { executionId, from, to } of result.changed) {
      context.stdout.write(
        `${executionId.padEnd(width)}  ${styleStatus(out, from)} -> ${styleStatus(out, to)}\n`,
      );
    }
    const noun = result.checked === 1 ? 'execution' : 'executions';
    context.stderr.write(
      `checked ${result.checked} unfinished ${noun}, ${result.changed.length} changed  ${err.dim('request')} ${result.requestId}\n`,
    );
    return 0;
  },
};

import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { executionJson, toJsonDocument } from '../output/json.js';
import { resolveExecutionId } from './shared.js';

export const command: Command = {
  name: 'rm',
  summary: 'Remove finished executions: their record and their output.',
  usage: 'rm <execution-id>... [--json]',
  details: `Only finished executions can be removed; stop a running one first (taskport kill). Ids may be
unique prefixes. Exits 1 if any id could not be removed (the others still are).`,
  options: {
    json: {
      type: 'boolean',
      description: 'print {"removed": [<execution>...], "failed": [{"executionId", "error"}...]} as JSON',
    },
  },
  maxPositionals: Number.POSITIVE_INFINITY,
  examples: [
    'taskport rm loc-00mx59vc',
    "taskport rm $(taskport list --status failed --json | jq -r '.executions[].executionId')",
  ],
  run: async ({ values, positionals }, context) => {
    if (positionals.length === 0) await resolveExecutionId(context, 'rm', undefined);
    const taskport = await context.open();
    const removed = [];
    const failed: { executionId: string; error: string }[] = [];
    for (const ref of positionals) {
      try {
        const id = await resolveExecutionId(context, 'rm', ref);
        const result = await taskport.service.removeExecution(id);
        removed.push(result.execution);
        if (!values.json) context.stdout.write(`${id}\n`);
      } catch (error) {
        const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
        failed.push({ executionId: ref, error: message });
        if (!values.json) context.stderr.write(`taskport rm: ${message}\n`);
      }
    }
    if (values.json) {
      context.stdout.write(toJsonDocument({ removed: removed.map(executionJson), failed }));
    }
    return failed.length > 0 ? EXIT.FAILURE : EXIT.OK;
  },
};

import { foreignExecutorMessage, HOST_IMAGE_ID, isFinalStatus } from '@taskport/core';
import type { Command } from '../command.js';
import { executionFields } from '../output/execution-view.js';
import { executionJson, toJsonDocument } from '../output/json.js';
import { resolveExecutionId } from './shared.js';

export const command: Command = {
  name: 'status',
  summary: 'Show the status of an execution, as the provider reports it now.',
  usage: 'status <execution-id> [--json]',
  details: 'Exits 0 whatever the status of the task; use --json and read "status" and "exitCode" in scripts.',
  options: {
    json: { type: 'boolean', description: 'print the execution as JSON (shape: see the CLI README)' },
  },
  maxPositionals: 1,
  examples: [
    'taskport status loc-00mx59vcc62013c2db76f3',
    "taskport status loc-00mx59vcc62013c2db76f3 --json | jq -r '.status'",
  ],
  run: async ({ values, positionals }, context) => {
    const id = await resolveExecutionId(context, 'status', positionals[0]);
    const taskport = await context.open();
    const execution = await taskport.service.getExecutionStatus(id);
    const executor = taskport.service.taskExecutor?.();
    if (executor && execution.executor !== executor.provider && !isFinalStatus(execution.status)) {
      context.stderr.write(
        `taskport: warning: ${foreignExecutorMessage(execution, executor.provider)}; this is the stored record and may be stale\n`,
      );
    }
    if (
      executor &&
      execution.executor === executor.provider &&
      !executor.capabilities.runsImages &&
      execution.imageId !== HOST_IMAGE_ID
    ) {
      context.stderr.write(
        `taskport: note: the ${executor.provider} executor ran this command on this machine, not in a container; image ${execution.image} was recorded but not used\n`,
      );
    }
    context.stdout.write(
      values.json ? toJsonDocument(executionJson(execution)) : executionFields(context.out, execution),
    );
    return 0;
  },
};

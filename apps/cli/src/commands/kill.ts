import { type Execution, isFinalStatus } from '@taskport/core';
import type { Command } from '../command.js';
import { statusText } from '../output/execution-view.js';
import { executionJson, toJsonDocument } from '../output/json.js';
import { resolveExecutionId } from './shared.js';

export const command: Command = {
  name: 'kill',
  summary: 'Stop an execution (SIGTERM, then SIGKILL after a grace period, or the platform equivalent).',
  usage: 'kill <execution-id> [--wait] [--json]',
  details: `Killing an execution that has already finished changes nothing and is not an error. Without --wait,
taskport returns once the stop was requested (status TERMINATING); with --wait, once the task has stopped.`,
  options: {
    wait: { type: 'boolean', short: 'w', description: 'wait until the task has stopped' },
    json: {
      type: 'boolean',
      description: 'print {"execution": <execution>, "alreadyFinished": bool, "requestId"} as JSON',
    },
  },
  maxPositionals: 1,
  examples: ['taskport kill loc-00mx59vcc62013c2db76f3', 'taskport kill --wait loc-00mx59vcc62013c2db76f3'],
  run: async ({ values, positionals }, context) => {
    const id = await resolveExecutionId(context, 'kill', positionals[0]);
    const taskport = await context.open();
    const result = await taskport.service.killExecution(id);
    let execution: Execution = result.execution;
    if (values.wait) {
      for (let delay = 50; !isFinalStatus(execution.status); delay = Math.min(delay * 2, 1000)) {
        await new Promise((resolve) => setTimeout(resolve, delay));
        execution = await taskport.service.getExecutionStatus(id, { requestId: result.requestId });
      }
    }
    if (values.json) {
      context.stdout.write(
        toJsonDocument({
          execution: executionJson(execution),
          alreadyFinished: result.alreadyFinished,
          requestId: result.requestId,
        }),
      );
    } else if (result.alreadyFinished) {
      context.stdout.write(`${id} had already finished: ${statusText(context.out, execution)}\n`);
    } else {
      context.stdout.write(
        `${id} ${isFinalStatus(execution.status) ? 'stopped' : 'stopping'}: ${statusText(context.out, execution)}\n`,
      );
    }
    return 0;
  },
};

import { type Execution, isFinalStatus } from '@taskport/core';
import { parseDurationSeconds, stringOption } from '../args.js';
import type { Command } from '../command.js';
import { EXIT, EXIT_CODES_HELP, exitCodeOfExecution } from '../exit-codes.js';
import { statusText } from '../output/execution-view.js';
import { executionJson, toJsonDocument } from '../output/json.js';
import { resolveExecutionId } from './shared.js';

export const command: Command = {
  name: 'wait',
  summary: 'Wait until an execution ends and exit with its exit code (as run does).',
  usage: 'wait <execution-id> [--timeout DURATION] [--json]',
  details: `Polls the provider until the task is final, then prints its status line (or the execution as JSON)
and exits with the same code 'taskport run' would have: the task's own code, 124 for a timeout, 130 when
it was killed, 125 when it failed to start or was lost. With --timeout, gives up after that long and
exits 1 (the task keeps running). Ctrl-C stops waiting and leaves the task running.

${EXIT_CODES_HELP}`,
  options: {
    timeout: { type: 'string', value: 'DURATION', description: 'stop waiting after 30s, 5m, ... (exit 1)' },
    json: { type: 'boolean', description: 'print the final execution as JSON (shape: see the CLI README)' },
  },
  maxPositionals: 1,
  examples: [
    'id=$(taskport run --detach -- ./nightly.sh) && taskport wait "$id"',
    'taskport wait loc-00mx59vc --timeout 10m --json',
  ],
  run: async ({ values, positionals }, context) => {
    const timeoutText = stringOption(values, 'timeout');
    const timeoutMs =
      timeoutText === undefined ? undefined : parseDurationSeconds('--timeout', timeoutText) * 1000;
    const id = await resolveExecutionId(context, 'wait', positionals[0]);
    const taskport = await context.open();
    const deadline = timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
    let execution: Execution = await taskport.service.getExecutionStatus(id);
    for (let delay = 50; !isFinalStatus(execution.status); delay = Math.min(delay * 2, 1000)) {
      if (Date.now() >= deadline) {
        context.stderr.write(
          `taskport wait: ${id} is still ${execution.status} after ${timeoutText}; it keeps running\n`,
        );
        if (values.json) context.stdout.write(toJsonDocument(executionJson(execution)));
        return EXIT.FAILURE;
      }
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(delay, Math.max(0, deadline - Date.now()))),
      );
      execution = await taskport.service.getExecutionStatus(id);
    }
    if (values.json) context.stdout.write(toJsonDocument(executionJson(execution)));
    else
      context.stderr.write(
        `${id} ${statusText(context.err, execution)}${execution.reason ? ` - ${execution.reason}` : ''}\n`,
      );
    return exitCodeOfExecution(execution);
  },
};

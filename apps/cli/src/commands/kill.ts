import {
  type Execution,
  isFinalStatus,
  MAX_GRACE_PERIOD_SECONDS,
  parseStopSignal,
  type StopOptions,
  TaskportError,
} from '@taskport/core';
import { type OptionValues, parseDurationSeconds, stringOption } from '../args.js';
import type { Command } from '../command.js';
import { statusText } from '../output/execution-view.js';
import { executionJson, toJsonDocument } from '../output/json.js';
import { UsageError } from '../usage-error.js';
import { resolveExecutionId } from './shared.js';

export const command: Command = {
  name: 'kill',
  summary: 'Stop an execution (SIGTERM, then SIGKILL after a grace period, or the platform equivalent).',
  usage: 'kill <execution-id> [--signal SIG] [--grace DURATION] [--wait] [--json]',
  details: `Killing an execution that has already finished changes nothing and is not an error. Without --wait,
taskport returns once the stop was requested (status TERMINATING); with --wait, once the task has stopped.

--signal chooses the first signal (as docker stop --signal), --grace how long the task has to exit
before SIGKILL (as docker stop --time); --grace 0 kills at once, and a second kill with a shorter grace
brings SIGKILL forward. Executors that cannot choose them (ECS, Cloud Run; Kubernetes for --signal)
refuse with exit 2 and stop nothing.`,
  options: {
    signal: {
      type: 'string',
      short: 's',
      value: 'SIG',
      description: 'first signal: TERM (default), INT, QUIT, HUP, KILL, USR1, USR2 (or its number)',
    },
    grace: {
      type: 'string',
      value: 'DURATION',
      description: "time before SIGKILL, e.g. 0, 5s, 1m (default: the executor's, 10 s locally)",
    },
    wait: { type: 'boolean', short: 'w', description: 'wait until the task has stopped' },
    json: {
      type: 'boolean',
      description: 'print {"execution": <execution>, "alreadyFinished": bool, "requestId"} as JSON',
    },
  },
  maxPositionals: 1,
  examples: [
    'taskport kill loc-00mx59vcc62013c2db76f3',
    'taskport kill --wait loc-00mx',
    'taskport kill --signal INT --grace 30s loc-00mx',
    'taskport kill --grace 0 loc-00mx      # SIGKILL now',
  ],
  run: async ({ values, positionals }, context) => {
    const stop = stopOptionsOf(values);
    const id = await resolveExecutionId(context, 'kill', positionals[0]);
    const taskport = await context.open();
    const result = await taskport.service.killExecution(id, {}, stop);
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

/** --signal and --grace, checked before anything is asked of a provider. */
function stopOptionsOf(values: OptionValues): StopOptions {
  const stop: StopOptions = {};
  const signal = stringOption(values, 'signal');
  if (signal !== undefined) {
    try {
      stop.stopSignal = parseStopSignal(signal);
    } catch (error) {
      if (TaskportError.hasCode(error, 'VALIDATION'))
        throw new UsageError(`--signal: ${(error as Error).message}`);
      throw error;
    }
  }
  const grace = stringOption(values, 'grace');
  if (grace !== undefined) {
    stop.gracePeriodSeconds = /^0+s?$/.test(grace.trim())
      ? 0
      : parseDurationSeconds('--grace', grace, MAX_GRACE_PERIOD_SECONDS);
  }
  return stop;
}

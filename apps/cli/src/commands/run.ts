import {
  appliesAutomatically,
  type Execution,
  type ExecutionRequest,
  HOST_IMAGE_ID,
  isFinalStatus,
  logEventBytes,
  MAX_TIMEOUT_SECONDS,
  newRequestId,
  TaskportError,
} from '@taskport/core';
import {
  listOption,
  type OptionValues,
  parseDurationSeconds,
  parseKeyValues,
  stringOption,
} from '../args.js';
import type { Command } from '../command.js';
import type { CliContext } from '../context.js';
import { EXIT, EXIT_CODES_HELP, exitCodeOfExecution } from '../exit-codes.js';
import { messageOf, runFailureCode } from '../failure.js';
import { styleStatus } from '../output/colour.js';
import { durationBetween, formatDuration } from '../output/format.js';
import { executionJson, toJsonDocument } from '../output/json.js';
import { FOLLOW_POLL_MS, LineWriter } from '../output/line-writer.js';
import { startSpinner } from '../output/spinner.js';
import type { CliTaskport } from '../remote/taskport-api.js';
import { UsageError } from '../usage-error.js';

export const command: Command = {
  name: 'run',
  summary: 'Run a command in a container; follow its logs and exit with its exit code.',
  usage: 'run [options] -- <command> [args...]',
  details: `The words after "--" are the command's argv, passed as data and never through a shell (as with
docker run). A single word containing spaces runs as /bin/sh -c '<word>', so pipes and && work.

Without --detach, taskport follows the logs to the end (the task's stdout to stdout, its stderr to
stderr) and exits with the task's exit code. Ctrl-C stops following; the task keeps running.
The execution id and the request id are printed on stderr. With --detach, the execution id is printed
on stdout and taskport returns at once.

With -i, what taskport reads on its stdin (a pipe, a file, or lines typed until Ctrl-D) goes to the
task's stdin, which is then closed; without it the task's stdin is empty. Where the executor cannot
pass stdin (ECS, Cloud Run) or cannot set --workdir, taskport says so and starts nothing (exit 2).

${EXIT_CODES_HELP}`,
  options: {
    image: {
      type: 'string',
      value: 'REF',
      description: 'image id or name (default: the default image)',
    },
    interactive: {
      type: 'boolean',
      short: 'i',
      description: "send this command's stdin to the task's stdin (as docker run -i)",
    },
    workdir: {
      type: 'string',
      short: 'w',
      value: 'DIR',
      description: "absolute directory the command starts in (default: the image's; locally: here)",
    },
    env: {
      type: 'string',
      short: 'e',
      multiple: true,
      value: 'K=V',
      description: 'environment variable; a bare K copies its value from here',
    },
    secret: {
      type: 'string',
      multiple: true,
      value: 'NAME',
      description: 'secret variable, its value read from your environment; never stored or printed',
    },
    timeout: { type: 'string', value: 'DURATION', description: 'stop the task after 30s, 5m, 1h30m, 2d ...' },
    label: {
      type: 'string',
      short: 'l',
      multiple: true,
      value: 'k=v',
      description: 'label on the execution',
    },
    'idempotency-key': {
      type: 'string',
      value: 'KEY',
      description: 'a retried run with the same key returns the first execution instead of starting again',
    },
    name: {
      type: 'string',
      value: 'NAME',
      description: 'a human name for the execution (label taskport.name), unique among unfinished ones',
    },
    detach: { type: 'boolean', short: 'd', description: 'print the execution id and return at once' },
    json: { type: 'boolean', description: 'with --detach: print the execution as JSON' },
  },
  maxPositionals: Number.POSITIVE_INFINITY,
  examples: [
    'taskport run -- echo "hello from taskport"',
    "taskport run -- 'make build && make test'",
    'taskport run --image python:3.13 --env MODE=fast --timeout 10m -- python -m mypkg',
    'taskport run --secret API_TOKEN -- ./deploy.sh      # API_TOKEN taken from your environment',
    'id=$(taskport run --detach -- ./nightly.sh) && taskport logs --follow "$id"',
    "taskport run -i -- wc -l < big.csv          # the file becomes the task's stdin",
    'taskport run --workdir /srv/app -- make test',
  ],
  run: async ({ values, positionals }, context) => {
    const request = buildRequest(values, positionals, context.env);
    const detach = values.detach === true;
    if (values.json === true && !detach) {
      throw new UsageError("--json goes with --detach; without it the output is the task's own logs");
    }
    if (request.interactive && detach) {
      throw new UsageError(
        '-i (--interactive) goes without --detach: the input comes from this command, which must stay to send it',
      );
    }
    const code = await (detach
      ? runDetached(request, values.json === true, context)
      : runAttached(request, context));
    await applyRetention(context);
    return code;
  },
};

/**
 * Retention, applied automatically: at most once an hour per deployment, after a run, finished
 * executions older than the retention period go with their output and backend lines (as
 * `taskport prune` does). The period is TASKPORT_RETENTION, `retention:` in taskport.yaml, or 30 days.
 * Never fails the run; a period the user chose that cannot be applied is reported.
 */
async function applyRetention(context: CliContext): Promise<void> {
  // A deployment that could not be opened was reported by the run already.
  const taskport = await context.open().catch(() => undefined);
  if (!taskport) return;
  // With a server, retention is the server's (it prunes every hour).
  const retention = taskport.config?.retention;
  const store = taskport.service.executionStore?.();
  if (!retention || !store || !appliesAutomatically(retention, store)) return;
  try {
    const { retentionDue, markRetentionApplied } = await import('../retention-marker.js');
    const marker = await retentionDue(context.env, taskport.config!);
    if (!marker) return;
    await taskport.service.pruneExecutions({ before: Date.now() - retention.seconds * 1000 });
    await markRetentionApplied(marker);
  } catch (error) {
    context.stderr.write(
      `taskport: retention (${retention.text}, from ${retention.source === 'env' ? 'TASKPORT_RETENTION' : retention.source === 'file' ? 'taskport.yaml' : 'the default'}) was not applied: ${messageOf(error)}\n`,
    );
  }
}

function buildRequest(values: OptionValues, argv: string[], env: NodeJS.ProcessEnv): ExecutionRequest {
  if (argv.length === 0) {
    throw new UsageError(
      'no command given; put it after "--": taskport run [options] -- <command> [args...]',
    );
  }
  const only = argv[0] as string;
  const request: ExecutionRequest = { command: argv.length === 1 && /\s/.test(only) ? only : argv };
  const image = stringOption(values, 'image');
  if (image !== undefined) {
    if (image.trim() === '') throw new UsageError('--image needs an image id or name');
    request.image = image;
  }
  const variables = parseKeyValues('--env', listOption(values, 'env'), env);
  if (Object.keys(variables).length > 0) request.env = variables;
  const secrets: Record<string, string> = {};
  for (const name of listOption(values, 'secret')) {
    if (name.includes('=')) {
      throw new UsageError(
        `--secret takes a variable name, not a value: export ${name.split('=')[0]}=... and pass --secret ${name.split('=')[0]}, so the value never shows in the process list`,
      );
    }
    const value = env[name];
    if (value === undefined) throw new UsageError(`--secret ${name}: ${name} is not set in your environment`);
    secrets[name] = value;
  }
  if (Object.keys(secrets).length > 0) request.secrets = secrets;
  const labels = parseKeyValues('--label', listOption(values, 'label'));
  const name = stringOption(values, 'name');
  if (name !== undefined) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(name)) {
      throw new UsageError(
        `--name "${name}" must be 1-128 letters, digits, "_", "." or "-", starting with a letter or digit`,
      );
    }
    labels[NAME_LABEL] = name;
  }
  if (Object.keys(labels).length > 0) request.labels = labels;
  const timeout = stringOption(values, 'timeout');
  if (timeout !== undefined)
    request.timeoutSeconds = parseDurationSeconds('--timeout', timeout, MAX_TIMEOUT_SECONDS);
  const key = stringOption(values, 'idempotency-key');
  if (key !== undefined) request.idempotencyKey = key;
  const workdir = stringOption(values, 'workdir');
  if (workdir !== undefined) {
    if (!workdir.startsWith('/')) {
      throw new UsageError(
        `--workdir "${workdir}" must be an absolute path (it names a directory where the task runs, not here)`,
      );
    }
    request.workingDir = workdir;
  }
  if (values.interactive === true) request.interactive = true;
  return request;
}

/** The label that carries `run --name`. */
export const NAME_LABEL = 'taskport.name';

async function start(request: ExecutionRequest, requestId: string, context: CliContext): Promise<Execution> {
  const taskport = await context.open();
  const name = request.labels?.[NAME_LABEL];
  if (name !== undefined) {
    // Unique while running, as docker's container names are (checked here, before anything starts).
    const { items } = await taskport.service.listExecutions({
      labels: { [NAME_LABEL]: name },
      status: ['STARTING', 'RUNNING', 'TERMINATING'],
      limit: 1,
    });
    if (items[0] && !request.idempotencyKey) {
      throw new UsageError(
        `the name "${name}" is in use by ${items[0].executionId} (${items[0].status}); pick another --name or wait for it to end`,
      );
    }
  }
  const result = await taskport.service.runCommand(context.user(), request, { requestId });
  if (result.reused) {
    context.stderr.write(
      `${context.err.yellow('reused')} execution ${result.execution.executionId} (same --idempotency-key)\n`,
    );
  }
  const executor = taskport.service.taskExecutor?.();
  if (executor && !executor.capabilities.runsImages && result.execution.imageId !== HOST_IMAGE_ID) {
    context.stderr.write(
      `taskport: note: the ${executor.provider} executor runs the command on this machine, not in a container; image ${result.execution.image} is recorded but not used\n`,
    );
  }
  return result.execution;
}

async function runDetached(request: ExecutionRequest, json: boolean, context: CliContext): Promise<number> {
  const requestId = newRequestId();
  let execution: Execution;
  try {
    execution = await start(request, requestId, context);
  } catch (error) {
    return failedToStart(error, context);
  }
  context.stdout.write(json ? toJsonDocument(executionJson(execution)) : `${execution.executionId}\n`);
  context.stderr.write(`${context.err.dim('request')} ${requestId}\n`);
  return EXIT.OK;
}

async function runAttached(request: ExecutionRequest, context: CliContext): Promise<number> {
  const requestId = newRequestId();
  const { stderr, err } = context;
  const controller = new AbortController();
  let interrupted = false;
  const onInterrupt = () => {
    // A second Ctrl-C leaves at once, even while the start is still in flight.
    if (interrupted) process.exit(EXIT.KILLED);
    interrupted = true;
    controller.abort();
  };
  process.on('SIGINT', onInterrupt);
  try {
    const starting = startSpinner(stderr, 'starting');
    let execution: Execution;
    try {
      execution = await start(request, requestId, context);
    } catch (error) {
      return failedToStart(error, context);
    } finally {
      starting.stop();
    }
    const id = execution.executionId;
    stderr.write(`${err.dim('execution')} ${id}  ${err.dim('request')} ${requestId}\n`);
    if (interrupted) return stoppedFollowing(id, context);

    const taskport = await context.open();
    const input = request.interactive
      ? sendInput(taskport.service, id, context, controller.signal)
      : undefined;
    const writer = new LineWriter();
    // A spinner would draw over what the user types.
    const waiting = request.interactive ? { stop() {} } : startSpinner(stderr, `waiting for output of ${id}`);
    try {
      const events = taskport.service.streamLogs(id, {
        follow: true,
        signal: controller.signal,
        requestId,
        pollIntervalMs: FOLLOW_POLL_MS,
      });
      for await (const event of events) {
        waiting.stop();
        const wait = writer.write(event.stream === 'stderr' ? stderr : context.stdout, logEventBytes(event));
        if (wait) await wait;
      }
    } catch (error) {
      if (!interrupted) {
        await writer.flush();
        stderr.write(`taskport run: following the logs of ${id} failed: ${messageOf(error)}\n`);
        stderr.write(`  the task may still be running: taskport status ${id}\n`);
        return EXIT.INFRASTRUCTURE;
      }
    } finally {
      waiting.stop();
    }
    await writer.flush();
    if (input) await input.finish();
    if (interrupted) return stoppedFollowing(id, context);

    const final = await waitUntilFinal(id, requestId, context, controller.signal);
    if (!final) return stoppedFollowing(id, context);
    const code = exitCodeOfExecution(final);
    if (code !== EXIT.OK || stderr.isTTY) stderr.write(`${finalLine(final, context)}\n`);
    return code;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

/**
 * Copies this command's stdin into the task's (run -i) while the logs are followed. A task that ends
 * before reading all of it is no error (as with a pipe); other failures are reported, not fatal: the
 * task runs on and its output still shows.
 */
function sendInput(
  service: CliTaskport['service'],
  executionId: string,
  context: CliContext,
  signal: AbortSignal,
): { finish(): Promise<void> } {
  const done = new AbortController();
  const stop = AbortSignal.any([signal, done.signal]);
  const sent = service
    .sendInput(executionId, readUntil(context.stdin, stop), { signal: stop })
    .catch((error) => {
      if (stop.aborted || TaskportError.hasCode(error, 'CONFLICT')) return;
      context.stderr.write(
        `taskport run: the input could not be sent to ${executionId}: ${messageOf(error)}\n`,
      );
    });
  return {
    async finish() {
      // The task has ended: stop reading a terminal nobody is typing into, so taskport can exit.
      done.abort();
      context.stdin.destroy();
      await sent;
    },
  };
}

/** The chunks of a stream until it ends or `signal` aborts (which destroys it: nothing reads it after). */
async function* readUntil(stream: NodeJS.ReadStream, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  if (signal.aborted) return;
  const onAbort = () => stream.destroy();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (error) {
    if (!signal.aborted) throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** The stream ends once the task is final; this covers a store that converges a moment later. */
async function waitUntilFinal(
  id: string,
  requestId: string,
  context: CliContext,
  signal: AbortSignal,
): Promise<Execution | undefined> {
  const taskport = await context.open();
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    const execution = await taskport.service.getExecutionStatus(id, { requestId });
    if (isFinalStatus(execution.status)) return execution;
    if (signal.aborted) return undefined;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function stoppedFollowing(id: string, context: CliContext): number {
  context.stderr.write(
    // On a terminal the ^C echo leaves the cursor mid-line.
    `${context.stderr.isTTY ? '\n' : ''}taskport: stopped following ${id}; the task keeps running.\n  re-attach: taskport logs --follow ${id}\n  kill:      taskport kill ${id}\n`,
  );
  return EXIT.KILLED;
}

function failedToStart(error: unknown, context: CliContext): number {
  const code = runFailureCode(error);
  context.stderr.write(`taskport run: ${messageOf(error)}\n`);
  return code;
}

function finalLine(execution: Execution, context: CliContext): string {
  const duration = durationBetween(execution.startedAt ?? execution.createdAt, execution.completedAt);
  const exit = execution.exitCode === null ? 'exit code unknown' : `exit ${execution.exitCode}`;
  const parts = [`${execution.executionId} ${styleStatus(context.err, execution.status)} (${exit})`];
  if (duration !== undefined) parts.push(`after ${formatDuration(duration)}`);
  if (execution.reason) parts.push(`- ${execution.reason}`);
  return parts.join(' ');
}

import { type LogEvent, logEventBytes } from '@taskport/core';
import { parseDurationSeconds, parseInteger, stringOption } from '../args.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { logEventJson } from '../output/json.js';
import { FOLLOW_POLL_MS, LineWriter } from '../output/line-writer.js';
import { UsageError } from '../usage-error.js';
import { resolveExecutionId } from './shared.js';

export const command: Command = {
  name: 'logs',
  summary: 'Print the logs of an execution; --follow streams them until the task ends.',
  usage: 'logs <execution-id> [--follow] [--since T] [--tail N] [--timestamps] [--json]',
  details: `The task's stdout goes to stdout and its stderr to stderr, as with docker logs. Logs are streamed
page by page, so any amount of output is printed in bounded memory. --follow starts at the first line and
ends when the task has ended and every line is out; Ctrl-C stops following and leaves the task running.`,
  options: {
    follow: { type: 'boolean', short: 'f', description: 'keep printing new lines until the task ends' },
    since: {
      type: 'string',
      value: 'T',
      description: 'only lines from T on: a duration back from now (10m, 2h) or an ISO 8601 time',
    },
    tail: {
      type: 'string',
      short: 'n',
      value: 'N',
      description: 'only the last N lines (then follow, with -f)',
    },
    timestamps: { type: 'boolean', short: 't', description: 'prefix each line with its ISO 8601 time' },
    json: {
      type: 'boolean',
      description:
        'one JSON object per line: {"timestamp","stream","message","eventId"} (+ "bytes","encoding":"base64" when the text is not the exact output), all on stdout',
    },
  },
  maxPositionals: 1,
  examples: [
    'taskport logs loc-00mx59vcc62013c2db76f3',
    'taskport logs --follow loc-00mx59vcc62013c2db76f3',
    'taskport logs --tail 20 --follow loc-00mx59vc',
    'taskport logs --since 10m loc-00mx59vc',
    'taskport logs --json loc-00mx59vcc62013c2db76f3 | jq -r \'select(.stream == "stderr") | .message\'',
  ],
  run: async ({ values, positionals }, context) => {
    const sinceText = stringOption(values, 'since');
    const since = sinceText === undefined ? undefined : parseSince(sinceText);
    const tailText = stringOption(values, 'tail');
    const tail = tailText === undefined ? undefined : parseInteger('--tail', tailText, 0);
    const id = await resolveExecutionId(context, 'logs', positionals[0]);
    const follow = values.follow === true;
    const taskport = await context.open();
    const controller = new AbortController();
    let interrupted = false;
    const onInterrupt = () => {
      if (interrupted) process.exit(EXIT.KILLED);
      interrupted = true;
      controller.abort();
    };
    if (follow) process.on('SIGINT', onInterrupt);
    const writer = new LineWriter();
    const print = (event: LogEvent): Promise<void> | undefined => {
      let stream = context.stdout;
      if (values.json) return writer.write(stream, `${JSON.stringify(logEventJson(event))}\n`);
      if (event.stream === 'stderr') stream = context.stderr;
      if (values.timestamps) writer.write(stream, `${new Date(event.timestamp).toISOString()} `);
      // The task's bytes as it printed them (invalid UTF-8, CR LF, no final newline), as docker logs does.
      return writer.write(stream, logEventBytes(event));
    };
    const range = since !== undefined ? { since } : {};
    try {
      // --tail: one pass keeps only the last N lines (bounded memory), a follow then skips what was seen.
      let skip = 0;
      if (tail !== undefined) {
        const ring: LogEvent[] = new Array(tail);
        for await (const event of taskport.service.streamLogs(id, range)) {
          if (tail > 0) ring[skip % tail] = event;
          skip++;
        }
        for (let i = Math.max(0, skip - tail); i < skip; i++) {
          const wait = print(ring[i % tail] as LogEvent);
          if (wait) await wait;
        }
        if (!follow) return EXIT.OK;
      }
      for await (const event of taskport.service.streamLogs(
        id,
        follow ? { ...range, follow, signal: controller.signal, pollIntervalMs: FOLLOW_POLL_MS } : range,
      )) {
        if (skip > 0) {
          skip--;
          continue;
        }
        const wait = print(event);
        if (wait) await wait;
      }
    } catch (error) {
      if (!interrupted) throw error;
    } finally {
      process.off('SIGINT', onInterrupt);
      await writer.flush();
    }
    if (interrupted) {
      context.stderr.write(
        `${context.stderr.isTTY ? '\n' : ''}taskport: stopped following ${id}; the task keeps running (taskport kill ${id} stops it)\n`,
      );
      return EXIT.KILLED;
    }
    return EXIT.OK;
  },
};

/** `--since`: a duration back from now, or an ISO 8601 time; in Unix ms. */
function parseSince(text: string): number {
  if (/^\d{4}-\d\d-\d\d/.test(text.trim())) {
    const at = Date.parse(text.trim());
    if (Number.isNaN(at))
      throw new UsageError(`--since "${text}" is not an ISO 8601 time such as 2026-01-31T12:00:00Z`);
    return at;
  }
  return Date.now() - parseDurationSeconds('--since', text) * 1000;
}

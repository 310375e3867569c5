import { logEventBytes } from '@taskport/core';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { logEventJson } from '../output/json.js';
import { FOLLOW_POLL_MS, LineWriter } from '../output/line-writer.js';
import { requireId } from './shared.js';

export const command: Command = {
  name: 'logs',
  summary: 'Print the logs of an execution; --follow streams them until the task ends.',
  usage: 'logs <execution-id> [--follow] [--timestamps] [--json]',
  details: `The task's stdout goes to stdout and its stderr to stderr, as with docker logs. Logs are streamed
page by page, so any amount of output is printed in bounded memory. --follow starts at the first line and
ends when the task has ended and every line is out; Ctrl-C stops following and leaves the task running.`,
  options: {
    follow: { type: 'boolean', short: 'f', description: 'keep printing new lines until the task ends' },
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
    'taskport logs --json loc-00mx59vcc62013c2db76f3 | jq -r \'select(.stream == "stderr") | .message\'',
  ],
  run: async ({ values, positionals }, context) => {
    const id = requireId('logs', positionals[0], 'execution-id');
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
    try {
      for await (const event of taskport.service.streamLogs(
        id,
        follow ? { follow, signal: controller.signal, pollIntervalMs: FOLLOW_POLL_MS } : {},
      )) {
        let stream = context.stdout;
        let wait: Promise<void> | undefined;
        if (values.json) {
          wait = writer.write(stream, `${JSON.stringify(logEventJson(event))}\n`);
        } else {
          if (event.stream === 'stderr') stream = context.stderr;
          if (values.timestamps) writer.write(stream, `${new Date(event.timestamp).toISOString()} `);
          // The task's bytes as it printed them (invalid UTF-8, CR LF, no final newline), as docker logs does.
          wait = writer.write(stream, logEventBytes(event));
        }
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

import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { executionTable, terminalWidth } from '../output/execution-view.js';
import { executionJson, logEventJson, toJsonDocument } from '../output/json.js';
import { requireId } from './shared.js';

export const command: Command = {
  name: 'trace',
  summary: "Show taskport's own log lines and the executions of one request.",
  usage: 'trace <request-id> [--json]',
  details: `Exits 1 when nothing is recorded for the request id (as status does for an unknown id).
Every taskport command has a request id ("request req-..." on stderr after run). The trace shows
what the backend logged for it (BackendObservability) and the executions it created or changed.`,
  options: {
    json: {
      type: 'boolean',
      description: 'print {"requestId", "logs": [<log event>...], "executions": [<execution>...]} as JSON',
    },
  },
  maxPositionals: 1,
  examples: ['taskport trace req-0mh2c9x1a4f3e2d1c0b'],
  run: async ({ values, positionals }, context) => {
    const requestId = requireId('trace', positionals[0], 'request-id');
    const taskport = await context.open();
    const trace = await taskport.service.trace(requestId);
    // Like `status <unknown id>`: a request nothing is known of is a failure (exit 1), also with --json.
    const found = trace.logs.length > 0 || trace.executions.length > 0;
    if (values.json) {
      context.stdout.write(
        toJsonDocument({
          requestId: trace.requestId,
          logs: trace.logs.map(logEventJson),
          executions: trace.executions.map(executionJson),
        }),
      );
      return found ? EXIT.OK : EXIT.FAILURE;
    }
    if (!found) {
      context.stderr.write(
        `taskport: nothing recorded for request ${requestId}; request ids are printed on stderr by run ("request req-...")\n`,
      );
      return EXIT.FAILURE;
    }
    const { out } = context;
    const lines = trace.logs.map(
      (event) => `${out.dim(new Date(event.timestamp).toISOString())}  ${event.message}\n`,
    );
    context.stdout.write(`${out.bold('Log lines')} (${trace.logs.length})\n${lines.join('')}`);
    if (trace.executions.length > 0) {
      context.stdout.write(`\n${out.bold('Executions')} (${trace.executions.length})\n`);
      context.stdout.write(executionTable(out, trace.executions, terminalWidth(context.stdout)));
    }
    return 0;
  },
};

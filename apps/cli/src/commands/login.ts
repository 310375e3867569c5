import { stringOption } from '../args.js';
import type { Command } from '../command.js';
import { writeCredentials } from '../remote/credentials.js';
import { RemoteService } from '../remote/remote-service.js';
import { normaliseServerUrl } from '../remote/remote-target.js';
import { UsageError } from '../usage-error.js';

export const command: Command = {
  name: 'login',
  summary: 'Use a taskport server from now on: check an API key and keep it (0600) in your config dir.',
  usage: 'login --server URL   (the key from TASKPORT_API_KEY or stdin)',
  details: `The key is read from TASKPORT_API_KEY, else from the first line of stdin (so it never appears in
your shell history or the process list). It is checked against the server, then kept in
$XDG_CONFIG_HOME/taskport/credentials.json (~/.config/taskport/...) readable only by you. Afterwards every
command goes to that server; 'taskport logout' goes back to running in-process.`,
  options: {},
  maxPositionals: 0,
  examples: [
    'taskport login --server http://127.0.0.1:8080 < key.txt',
    'TASKPORT_API_KEY=tpk_... taskport login --server https://taskport.example.com',
  ],
  run: async ({ values }, context) => {
    const server = stringOption(values, 'server') ?? (context.env.TASKPORT_SERVER?.trim() || undefined);
    if (!server)
      throw new UsageError('which server? pass --server URL (e.g. --server http://127.0.0.1:8080)');
    const url = normaliseServerUrl(server);
    const apiKey = context.env.TASKPORT_API_KEY?.trim() || (await firstLineOfStdin());
    if (!apiKey) throw new UsageError('no API key: set TASKPORT_API_KEY or pipe the key on stdin');
    const me = await new RemoteService(url, apiKey).me();
    const path = await writeCredentials(context.env, { server: url, apiKey });
    context.stderr.write(`logged in to ${url} as ${me.email} (${me.role}); key kept in ${path}\n`);
    return 0;
  },
};

async function firstLineOfStdin(): Promise<string | undefined> {
  if (process.stdin.isTTY) process.stderr.write('API key: ');
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0]?.trim() || undefined;
}

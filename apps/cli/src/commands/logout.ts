import type { Command } from '../command.js';
import { credentialsPath, removeCredentials } from '../remote/credentials.js';

export const command: Command = {
  name: 'logout',
  summary: 'Forget the server and key of taskport login; commands run in-process again.',
  usage: 'logout',
  options: {},
  maxPositionals: 0,
  examples: ['taskport logout'],
  run: async (_args, context) => {
    const existed = await removeCredentials(context.env);
    context.stderr.write(existed ? `removed ${credentialsPath(context.env)}\n` : 'not logged in\n');
    return 0;
  },
};

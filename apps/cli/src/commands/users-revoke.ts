import type { Command } from '../command.js';
import { toJsonDocument } from '../output/json.js';
import { requireUsers } from '../remote/require-remote.js';
import { requireId } from './shared.js';

export const command: Command = {
  name: 'users revoke',
  summary: 'Revoke a user and every key it has; its next request gets 401.',
  usage: 'users revoke <email> [--json]',
  options: { json: { type: 'boolean', description: 'print the revoked user as JSON' } },
  maxPositionals: 1,
  examples: ['taskport users revoke dev@example.com'],
  run: async ({ values, positionals }, context) => {
    const email = requireId('users revoke', positionals[0], 'email');
    const user = await (await requireUsers(context, 'users revoke')).revokeUser(email);
    if (values.json) context.stdout.write(toJsonDocument({ user }));
    else context.stdout.write(`revoked ${user.email} and its ${user.keys.length} key(s)\n`);
    return 0;
  },
};

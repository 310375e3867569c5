import type { Command } from '../command.js';
import { toJsonDocument } from '../output/json.js';
import { renderTable } from '../output/table.js';
import { requireUsers } from '../remote/require-remote.js';

export const command: Command = {
  name: 'users list',
  summary: 'List the users of the server (key ids and dates, never keys).',
  usage: 'users list [--json]',
  options: { json: { type: 'boolean', description: 'print {"users": [<user>...]} as JSON' } },
  maxPositionals: 0,
  examples: ['taskport users list'],
  run: async ({ values }, context) => {
    const users = await (await requireUsers(context, 'users list')).listUsers();
    if (values.json) {
      context.stdout.write(toJsonDocument({ users }));
      return 0;
    }
    const { out } = context;
    context.stdout.write(
      renderTable(
        ['EMAIL', 'ROLE', 'KEYS', 'CREATED', 'STATUS'].map((h) => out.bold(h)),
        users.map((u) => [
          u.email,
          u.role,
          String(u.keys.filter((k) => !k.revokedAt).length),
          u.createdAt,
          u.revokedAt ? out.red('revoked') : 'active',
        ]),
      ),
    );
    return 0;
  },
};

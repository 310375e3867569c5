import { stringOption } from '../args.js';
import type { Command } from '../command.js';
import { toJsonDocument } from '../output/json.js';
import { requireUsers } from '../remote/require-remote.js';
import { UsageError } from '../usage-error.js';
import { requireId } from './shared.js';

const ROLES = ['admin', 'operator', 'developer', 'viewer'];

export const command: Command = {
  name: 'users create',
  summary: 'Create a user on the server and print its API key (shown once).',
  usage: 'users create <email> --role admin|operator|developer|viewer [--json]',
  details: `The key is printed alone on one line of stdout and never again: the server keeps only its hash.
Roles: admin (everything), operator (all executions and images, trace, reconcile), developer (runs, and
sees and kills only its own executions), viewer (reads executions and images).`,
  options: {
    role: { type: 'string', short: 'r', value: 'ROLE', description: 'admin, operator, developer or viewer' },
    json: { type: 'boolean', description: 'print {"user", "keyId", "apiKey"} as JSON' },
  },
  maxPositionals: 1,
  examples: ['taskport users create dev@example.com --role developer'],
  run: async ({ values, positionals }, context) => {
    const email = requireId('users create', positionals[0], 'email');
    const role = stringOption(values, 'role');
    if (!role || !ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
    const users = await requireUsers(context, 'users create');
    const issued = await users.createUser(email, role);
    if (values.json) {
      context.stdout.write(toJsonDocument(issued));
    } else {
      context.stderr.write(`created ${issued.user.email} (${issued.user.role}); the key is shown once:\n`);
      context.stdout.write(`${issued.apiKey}\n`);
    }
    return 0;
  },
};

import type { CliContext } from '../context.js';
import { UsageError } from '../usage-error.js';
import type { UsersApi } from './taskport-api.js';

/** Users live on a server: the users commands need one. */
export async function requireUsers(context: CliContext, command: string): Promise<UsersApi> {
  const taskport = await context.open();
  if (!taskport.remote) {
    throw new UsageError(
      `${command} talks to a taskport server: pass --server URL or run 'taskport login' first (the first admin comes from 'taskport server --bootstrap-admin EMAIL')`,
    );
  }
  return taskport.remote.users;
}

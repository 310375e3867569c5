import type { CliContext } from '../context.js';
import { toJsonDocument } from '../output/json.js';
import type { CliTaskport } from './taskport-api.js';

/** `config show` in remote mode: the server, and the user and role of the key. */
export async function describeRemote(
  taskport: CliTaskport,
  json: boolean,
  context: CliContext,
): Promise<number> {
  if (!taskport.remote) return 1;
  const me = await taskport.remote.users.me();
  if (json) {
    context.stdout.write(
      toJsonDocument({ server: taskport.remote.url, user: me.email, role: me.role, keyId: me.keyId }),
    );
  } else {
    context.stdout.write(
      `${context.out.bold('Server:')} ${taskport.remote.url}\n${context.out.bold('User:')}   ${me.email} (${me.role})\n` +
        `The provider mix is the server's; run 'taskport config show' on the server to see it.\n`,
    );
  }
  return 0;
}

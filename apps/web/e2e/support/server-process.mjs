// Runs a real taskport server for the browser suite, in its own process so the suite can stop it by pid:
// the local provider (real child processes, SQLite) in a throw-away data directory, the built console as
// its web root, one API key per role. Prints one JSON line `{ url, keys }` on stdout once it listens,
// and closes gracefully on SIGTERM.
//
// It uses the server package's own entry points (`bootstrapUser`, `startServer`), which are what the
// `taskport server` command calls.
import { join } from 'node:path';

const serverModule = process.env.TASKPORT_WEB_E2E_SERVER_MODULE || '@taskport/server';
const { bootstrapUser, startServer } = await import(serverModule);

const webRoot = process.env.TASKPORT_WEB_ROOT;
const dataDir = process.env.TASKPORT_DATA_DIR;
if (!webRoot || !dataDir)
  throw new Error('server-process: TASKPORT_WEB_ROOT and TASKPORT_DATA_DIR must be set');
const usersDb = join(dataDir, 'users.db');

const keys = {};
for (const [name, role] of [
  ['admin', 'admin'],
  ['operator', 'operator'],
  ['developer', 'developer'],
  ['viewer', 'viewer'],
]) {
  const issued = await bootstrapUser(`${name}@example.com`, role, { usersDb, env: process.env });
  keys[name] = issued.apiKey;
}

const server = await startServer({ listen: '127.0.0.1:0', webRoot, usersDb, env: process.env });
process.stdout.write(`${JSON.stringify({ url: server.url, keys })}\n`);

let closing = false;
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    server.close().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}

import { stringOption } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../usage-error.js';

export const command: Command = {
  name: 'server',
  summary: 'Serve the taskport API over HTTP (API keys, roles, live logs, OpenAPI at /api/v1/openapi.json).',
  usage: 'server [--listen HOST:PORT] [--bootstrap-admin EMAIL] [--web-root DIR] [--users-db FILE]',
  details: `Composes the same provider mix as every other command (the deployment config, then the
environment) and serves it at /api/v1 until SIGINT or SIGTERM, then stops gracefully: no new connections,
in-flight requests finish, live log streams end (clients resume from their Last-Event-ID), providers close.

--bootstrap-admin EMAIL creates the first admin in the user store, prints its API key alone on one line of
stdout (shown once: only a hash is kept) and exits. Use the key with 'taskport login' or curl.`,
  options: {
    listen: {
      type: 'string',
      value: 'HOST:PORT',
      description: 'where to listen (env TASKPORT_LISTEN; default 127.0.0.1:8080)',
    },
    'bootstrap-admin': {
      type: 'string',
      value: 'EMAIL',
      description: 'create the first admin, print its key, exit',
    },
    'web-root': {
      type: 'string',
      value: 'DIR',
      description: 'serve a built web console from DIR at / (env TASKPORT_WEB_ROOT)',
    },
    'users-db': {
      type: 'string',
      value: 'FILE',
      description: 'SQLite file of users and keys (env TASKPORT_USERS_DB; default beside the local data)',
    },
  },
  maxPositionals: 0,
  examples: [
    'taskport server --bootstrap-admin you@example.com',
    'taskport server --listen 127.0.0.1:9000',
    'TASKPORT_CONFIG=deploy/aws.yaml taskport server --listen 0.0.0.0:8080   # behind your TLS proxy',
  ],
  run: async ({ values }, context) => {
    const server = await import('@taskport/server');
    const usersDb = stringOption(values, 'users-db');
    const dataDir = stringOption(values, 'data-dir');
    const env = { ...context.env, ...(dataDir ? { TASKPORT_DATA_DIR: dataDir } : {}) };
    const bootstrap = stringOption(values, 'bootstrap-admin');
    if (bootstrap !== undefined) {
      if (!/^[^\s@]+@[^\s@]+$/.test(bootstrap))
        throw new UsageError(`--bootstrap-admin "${bootstrap}" is not an email`);
      const admin = await server.bootstrapUser(bootstrap, 'admin', { env, ...(usersDb ? { usersDb } : {}) });
      context.stderr.write(`created admin ${admin.email} in ${admin.usersDb}; the key is shown once:\n`);
      context.stdout.write(`${admin.apiKey}\n`);
      return 0;
    }
    const config = stringOption(values, 'config');
    const listen = stringOption(values, 'listen');
    const webRoot = stringOption(values, 'web-root');
    const running = await server.startServer({
      env,
      cwd: process.cwd(),
      ...(listen ? { listen } : {}),
      ...(config ? { configPath: config } : {}),
      ...(usersDb ? { usersDb } : {}),
      ...(webRoot ? { webRoot } : {}),
      ...(dataDir ? { overrides: { local: { dataDir } } } : {}),
    });
    context.stderr.write(`taskport server listening on ${running.url} (API at ${running.url}/api/v1)\n`);
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        context.stderr.write(`taskport server: ${signal}, stopping\n`);
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await running.close();
    return 0;
  },
};

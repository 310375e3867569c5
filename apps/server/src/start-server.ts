import { createTaskport } from '@taskport/container';
import { type BackendLogger, TOKENS } from '@taskport/core';
import { isRole, type Role } from './auth/roles.js';
import { SqliteUserStore } from './auth/sqlite-user-store.js';
import { createApp } from './create-app.js';
import { startRetentionTimer } from './retention-timer.js';
import { issueKey } from './routes/user-routes.js';
import { resolveListen, resolveRateLimit, resolveUsersDb, type ServerOptions } from './server-options.js';

export interface RunningServer {
  /** `http://host:port` it listens on. */
  url: string;
  /** Graceful stop: refuse new connections, end log streams, finish in-flight requests, release providers. */
  close(): Promise<void>;
}

/**
 * Composes the Service from the deployment config (any provider mix, through @taskport/container),
 * opens the user store and listens.
 */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const env = options.env ?? process.env;
  const address = resolveListen(options);
  const rateLimit = resolveRateLimit(options);
  const webRoot = options.webRoot ?? (env.TASKPORT_WEB_ROOT?.trim() || undefined);
  const taskport = await createTaskport({
    env,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.configPath ? { configPath: options.configPath } : {}),
    ...(options.overrides ? { overrides: options.overrides } : {}),
  });
  const users = new SqliteUserStore(resolveUsersDb(options));
  const logger = taskport.container.get<BackendLogger>(TOKENS.BackendLogger);
  let built: Awaited<ReturnType<typeof createApp>>;
  try {
    built = await createApp({
      service: taskport.service,
      users,
      logger,
      ...(rateLimit ? { rateLimit } : {}),
      ...(webRoot ? { webRoot } : {}),
    });
    await built.app.listen({ host: address.host, port: address.port });
  } catch (error) {
    await users.close();
    await taskport.close();
    throw error;
  }
  const stopRetention = startRetentionTimer(taskport.service, taskport.config.retention, {
    ...(options.retentionEveryMs !== undefined
      ? { everyMs: options.retentionEveryMs, firstAfterMs: options.retentionEveryMs }
      : {}),
  });
  const bound = built.app.server.address();
  const port = typeof bound === 'object' && bound ? bound.port : address.port;
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    close() {
      closing ??= (async () => {
        stopRetention();
        built.endStreams();
        await built.app.close();
        await users.close();
        await taskport.close();
      })();
      return closing;
    },
  };
}

/**
 * Creates the first admin (or another user) directly in the user store and returns its key - the one
 * way in before any key exists. Refuses when the user exists: keys are never shown twice.
 */
export async function bootstrapUser(
  email: string,
  role: Role = 'admin',
  options: Pick<ServerOptions, 'usersDb' | 'env' | 'cwd'> = {},
): Promise<{ email: string; apiKey: string; keyId: string; usersDb: string }> {
  if (!isRole(role)) throw new Error(`unknown role ${String(role)}`);
  const path = resolveUsersDb(options);
  const users = new SqliteUserStore(path);
  try {
    await users.createUser({ email, role, createdBy: 'bootstrap' });
    const issued = await issueKey(users, email);
    return { email: issued.user.email, apiKey: issued.apiKey, keyId: issued.keyId, usersDb: path };
  } finally {
    await users.close();
  }
}

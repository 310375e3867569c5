import { RemoteService } from './remote-service.js';
import { resolveRemoteTarget } from './remote-target.js';
import type { CliTaskport } from './taskport-api.js';

/** The server-backed taskport when a server is configured, else undefined (in-process). */
export async function openRemote(
  serverOption: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<CliTaskport | undefined> {
  const target = await resolveRemoteTarget(serverOption, env);
  if (!target) return undefined;
  const service = new RemoteService(target.url, target.apiKey);
  return { service, remote: { url: target.url, users: service }, close: async () => undefined };
}

import { UsageError } from '../usage-error.js';
import { readCredentials } from './credentials.js';

export interface RemoteTarget {
  url: string;
  apiKey: string;
}

/** `http://host:port` without a trailing slash or path; a bare host:port gets http://. */
export function normaliseServerUrl(text: string): string {
  const withScheme = /^https?:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`--server "${text}" is not a URL; e.g. --server http://127.0.0.1:8080`);
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * Where commands go: `--server`, else TASKPORT_SERVER, else the server of `taskport login`; none means
 * in-process. The key: TASKPORT_API_KEY, else the login's key when it is for the same server.
 */
export async function resolveRemoteTarget(
  serverOption: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<RemoteTarget | undefined> {
  const explicit = serverOption ?? (env.TASKPORT_SERVER?.trim() || undefined);
  const saved = await readCredentials(env);
  if (!explicit && !saved) return undefined;
  const url = normaliseServerUrl(explicit ?? (saved as { server: string }).server);
  const apiKey = env.TASKPORT_API_KEY?.trim() || (saved && saved.server === url ? saved.apiKey : undefined);
  if (!apiKey) {
    throw new UsageError(
      `no API key for ${url}: set TASKPORT_API_KEY, or run 'taskport login --server ${url}' (an admin creates keys with 'taskport users create')`,
    );
  }
  return { url, apiKey };
}

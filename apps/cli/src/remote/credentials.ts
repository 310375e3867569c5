import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** What `taskport login` keeps: one server and its key, in a file only the user can read (0600). */
export interface Credentials {
  server: string;
  apiKey: string;
}

export function credentialsPath(env: NodeJS.ProcessEnv): string {
  const configHome = env.XDG_CONFIG_HOME?.trim();
  const base = configHome && isAbsolute(configHome) ? configHome : join(env.HOME ?? homedir(), '.config');
  return join(base, 'taskport', 'credentials.json');
}

export async function readCredentials(env: NodeJS.ProcessEnv): Promise<Credentials | undefined> {
  try {
    const parsed = JSON.parse(await readFile(credentialsPath(env), 'utf8')) as Partial<Credentials>;
    return typeof parsed.server === 'string' && typeof parsed.apiKey === 'string'
      ? { server: parsed.server, apiKey: parsed.apiKey }
      : undefined;
  } catch {
    return undefined;
  }
}

export async function writeCredentials(env: NodeJS.ProcessEnv, credentials: Credentials): Promise<string> {
  const path = credentialsPath(env);
  await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
  // Created 0600 and chmod-ed again in case the file existed with wider permissions.
  await writeFile(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return path;
}

export async function removeCredentials(env: NodeJS.ProcessEnv): Promise<boolean> {
  const path = credentialsPath(env);
  const existed = (await readCredentials(env)) !== undefined;
  await rm(path, { force: true });
  return existed;
}

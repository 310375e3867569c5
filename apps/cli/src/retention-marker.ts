import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { ResolvedConfigLike } from './remote/types.js';

/** Automatic retention runs at most this often per deployment (a prune reads every finished record). */
export const RETENTION_INTERVAL_MS = 3600_000;

/**
 * The marker file of a deployment's last automatic prune, under the user's state directory
 * ($XDG_STATE_HOME/taskport, ~/.local/state/taskport), named after what identifies the history: the
 * execution store's provider and options. Returns its path when a prune is due, otherwise null.
 */
export async function retentionDue(
  env: NodeJS.ProcessEnv,
  config: ResolvedConfigLike,
): Promise<string | null> {
  const store = config.ports.executionStore.provider;
  const identity = JSON.stringify([store, config.providers[store]?.options ?? {}]);
  const stateHome = env.XDG_STATE_HOME?.trim();
  const base =
    stateHome && isAbsolute(stateHome) ? stateHome : join(env.HOME ?? homedir(), '.local', 'state');
  const marker = join(
    base,
    'taskport',
    `retention-${createHash('sha256').update(identity).digest('hex').slice(0, 16)}`,
  );
  try {
    const last = Number((await readFile(marker, 'utf8')).trim());
    if (Number.isFinite(last) && Date.now() - last < RETENTION_INTERVAL_MS) return null;
  } catch {
    // No marker yet: due.
  }
  return marker;
}

export async function markRetentionApplied(marker: string): Promise<void> {
  await mkdir(join(marker, '..'), { recursive: true });
  await writeFile(marker, `${Date.now()}\n`);
}

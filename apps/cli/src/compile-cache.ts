import { enableCompileCache } from 'node:module';
import { join } from 'node:path';

/**
 * Turns on V8's code cache for the modules loaded from here on (Node 22.1+; start-up is benchmarked
 * against `node -e 0`, see docs/benchmarks.md and ADR 045). The cache lives in the user's cache
 * directory, `$XDG_CACHE_HOME/taskport/compile-cache` or `~/.cache/taskport/compile-cache`, rather than
 * Node's default under the OS temp directory, which is shared between users: whoever creates it first
 * owns it, and for everyone else the cache silently stays off. Without HOME or XDG_CACHE_HOME, Node's
 * default. NODE_COMPILE_CACHE (a directory) and NODE_DISABLE_COMPILE_CACHE=1 still win; a cache that
 * cannot be written only means no cache.
 */
export function enableTaskportCompileCache(env: NodeJS.ProcessEnv): void {
  // Guarded: a runtime without the API (or a bundle run elsewhere) just runs uncached.
  if (typeof enableCompileCache !== 'function') return;
  const base = env.XDG_CACHE_HOME?.trim() || (env.HOME?.trim() ? join(env.HOME.trim(), '.cache') : '');
  try {
    enableCompileCache(base ? join(base, 'taskport', 'compile-cache') : undefined);
  } catch {
    // Nothing here is worth failing a command for.
  }
}

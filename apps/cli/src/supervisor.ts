// The local supervisor as the bundled CLI starts it (dist/supervisor.js, see build.mjs): turns on the
// compile cache, then runs the supervisor proper (@taskport/local's supervisor, bundled on its own into
// dist/supervisor-main.js). One supervisor process starts per task, on the path of every `taskport
// run`, so its code is worth caching too; and a module cannot cache itself (the cache covers what is
// loaded after it is turned on), hence this file. The directory is main.ts's (ADR 049); the executor
// passes HOME but not XDG_CACHE_HOME, so this is usually ~/.cache/taskport/compile-cache.
import { enableCompileCache } from 'node:module';
import { join } from 'node:path';

const { HOME, XDG_CACHE_HOME } = process.env;
const cache = XDG_CACHE_HOME?.trim() || (HOME?.trim() ? join(HOME.trim(), '.cache') : '');
try {
  enableCompileCache?.(cache ? join(cache, 'taskport', 'compile-cache') : undefined);
} catch {
  // An uncached supervisor runs all the same.
}
// By URL, so that neither tsc nor esbuild looks for the file: it exists only in dist/.
await import(new URL('./supervisor-main.js', import.meta.url).href);

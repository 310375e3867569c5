// The local supervisor as the bundled CLI starts it (dist/supervisor.js, see build.mjs): turns on the
// compile cache, then runs the supervisor proper (@taskport/local's supervisor, bundled on its own into
// dist/supervisor-main.js). One supervisor process starts per task, on the path of every `taskport
// run`, so its code is worth caching too; and a module cannot cache itself (the cache covers what is
// loaded after it is turned on), hence this file.
import { enableTaskportCompileCache } from './compile-cache.js';

enableTaskportCompileCache(process.env);
// By URL, so that neither tsc nor esbuild looks for the file: it exists only in dist/.
await import(new URL('./supervisor-main.js', import.meta.url).href);

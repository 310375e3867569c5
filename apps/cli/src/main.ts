#!/usr/bin/env node
// The entry point, kept tiny: `taskport --version` is answered from here, before any other module of the
// CLI is read (start-up is benchmarked against `node -e 0`, see docs/benchmarks.md). It defines no
// function either: with esbuild's keepNames that would import the bundle's helper chunk, a second file.

// Before anything that needs a recent Node: the bundle takes its built-ins with process.getBuiltinModule
// (Node 20.16 / 22.3), and without this check an older Node fails with a bare TypeError; node:sqlite
// (22.5) is checked, with its own message, by the local provider.
if (typeof process.getBuiltinModule !== 'function') {
  process.stderr.write(
    `taskport needs Node.js 22.5 or newer; this is ${process.version}. From a checkout, ./taskport sets one up.\n`,
  );
  process.exit(2);
}
const { readFileSync } = process.getBuiltinModule('node:fs');
const { enableCompileCache } = process.getBuiltinModule('node:module');
const { join } = process.getBuiltinModule('node:path');

const first = process.argv[2];
if (first === '--version' || first === '-v' || first === 'version') {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  process.stdout.write(`taskport ${pkg.version}\n`);
} else {
  // V8's code cache for the modules a command loads: less CPU per call after the first (bench/run.mjs).
  // Not for --version above, which loads too little for the cache to pay off. In the user's cache
  // directory, not Node's default under the shared OS temp directory (ADR 049); src/supervisor.ts does
  // the same for the supervisor. NODE_COMPILE_CACHE and NODE_DISABLE_COMPILE_CACHE=1 still win, and a
  // cache that cannot be written only means no cache.
  const { HOME, XDG_CACHE_HOME } = process.env;
  const cache = XDG_CACHE_HOME?.trim() || (HOME?.trim() ? join(HOME.trim(), '.cache') : '');
  try {
    enableCompileCache?.(cache ? join(cache, 'taskport', 'compile-cache') : undefined);
  } catch {
    // Nothing here is worth failing a command for.
  }
  await import('./cli.js');
}

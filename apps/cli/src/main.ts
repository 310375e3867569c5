#!/usr/bin/env node
// The entry point, kept tiny: `taskport --version` is answered from here, before any other module of the
// CLI is read (start-up is benchmarked against `node -e 0`, see docs/benchmarks.md).
import { readFileSync } from 'node:fs';
import { enableCompileCache } from 'node:module';

const first = process.argv[2];
if (first === '--version' || first === '-v' || first === 'version') {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  process.stdout.write(`taskport ${pkg.version}\n`);
} else {
  // V8's code cache for the modules a command loads: less CPU per call after the first (bench/run.mjs).
  // Node keeps it under the OS temp directory, keyed by file content; NODE_DISABLE_COMPILE_CACHE=1
  // turns it off. Not for --version above, which loads too little for the cache to pay off.
  enableCompileCache();
  await import('./cli.js');
}

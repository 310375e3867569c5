#!/usr/bin/env node
// The entry point, kept tiny: `taskport --version` is answered from here, before any other module of the
// CLI is read (start-up is benchmarked against `node -e 0`, see docs/benchmarks.md).
import { readFileSync } from 'node:fs';
import { enableTaskportCompileCache } from './compile-cache.js';

const first = process.argv[2];
if (first === '--version' || first === '-v' || first === 'version') {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  process.stdout.write(`taskport ${pkg.version}\n`);
} else {
  // V8's code cache for the modules a command loads: less CPU per call after the first (bench/run.mjs).
  // Not for --version above, which loads too little for the cache to pay off.
  enableTaskportCompileCache(process.env);
  await import('./cli.js');
}

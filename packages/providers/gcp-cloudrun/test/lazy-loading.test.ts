import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * The Google clients cost ~370 CommonJS modules: the light `./options` entry (what the container imports
 * to validate a `gcp-cloudrun:` section no port uses) must load none of them; the main entry loads them.
 */

const DIST = join(dirname(fileURLToPath(import.meta.url)), '../dist');

function googleModulesLoadedBy(entry: string): number {
  const script = `
    import { createRequire } from 'node:module';
    await import(${JSON.stringify(pathToFileURL(join(DIST, entry)).href)});
    const cache = createRequire(import.meta.url).cache;
    const google = Object.keys(cache).filter((path) => /@google-cloud|google-gax|@grpc[\\\\/]grpc-js/.test(path));
    process.stdout.write(String(google.length));
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`node failed: ${result.stderr}`);
  return Number(result.stdout);
}

describe('loading @taskport/gcp-cloudrun', () => {
  it('the ./options entry loads no Google or gRPC module', () => {
    expect(googleModulesLoadedBy('gcp-options.js')).toBe(0);
  });

  it('the main entry does load the Google clients (the check above can see them)', () => {
    expect(googleModulesLoadedBy('index.js')).toBeGreaterThan(50);
  });
});

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness } from './helpers/harness.js';

/**
 * schemathesis (PyPI) against the OpenAPI document the server serves, with bounded examples: no 5xx and
 * every response matches its documented schema. POST /run is only exercised with the schema's own
 * examples (they run `echo` on this machine): fuzzed commands would run on the host.
 */
const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const ENSURE = join(ROOT, 'tooling/schemathesis/ensure-schemathesis.sh');

function schemathesis(): string {
  const result = spawnSync('bash', [ENSURE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const st = result.stdout.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || !existsSync(st)) {
    throw new Error(
      `${ENSURE} failed (exit ${result.status}); it installs schemathesis from PyPI into .toolchain/`,
    );
  }
  return st;
}

let h: Harness;
let st: string;
let workDir: string;
beforeAll(async () => {
  st = schemathesis();
  workDir = await mkdtemp(join(tmpdir(), 'taskport-st-'));
  h = await Harness.start({ rateLimit: { perSecond: 100_000, burst: 100_000 } });
}, 600_000);
afterAll(async () => {
  await h?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

function runSchemathesis(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((done, reject) => {
    const child = spawn(
      st,
      [
        'run',
        `${h.url}/api/v1/openapi.json`,
        '--header',
        `Authorization: Bearer ${h.keys.admin}`,
        '--checks',
        'not_a_server_error,response_schema_conformance',
        '--generation-database',
        'none',
        '--seed',
        '20261201',
        '--no-color',
        // One worker: with several, hypothesis (inside schemathesis 4.32.5) sometimes fails in its own
        // lambda-source cache ("AST constructor recursion depth mismatch"), a tool error, not a finding.
        '--workers',
        '1',
        ...args,
      ],
      {
        cwd: workDir,
        env: { ...process.env, SCHEMATHESIS_TELEMETRY: 'false' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => done({ code, output }));
  });
}

describe('schemathesis against /api/v1/openapi.json', () => {
  it('every operation but POST /run, fuzzed with bounded examples: no 5xx, responses match their schemas', async () => {
    const result = await runSchemathesis([
      '--exclude-path',
      '/api/v1/run',
      '--phases',
      'examples,coverage,fuzzing',
      '--max-examples',
      '3',
    ]);
    expect(result.output, result.output).toMatch(/Test cases:\s+[1-9]\d* generated, [1-9]\d* passed/);
    expect(result.code, result.output).toBe(0);
  }, 600_000);

  it('POST /run with the schema examples: 202 and a response matching RunResponse', async () => {
    const result = await runSchemathesis(['--include-path', '/api/v1/run', '--phases', 'examples']);
    expect(result.output, result.output).toMatch(/[1-9]\d* generated, [1-9]\d* passed/);
    expect(result.code, result.output).toBe(0);
  }, 600_000);
});

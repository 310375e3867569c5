import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    gcpEndpoint: string;
    gcpControl: string;
  }
}

/** How long after a write the fake lets an entry be read: the tests run with a real ingestion delay. */
export const FAKE_INGESTION_DELAY_MS = 150;

const FAKE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../../tooling/gcp-fake');

/** The fake's entry point, building it first (tsc, idempotent) when its dist is missing. */
function cliPath(): string {
  const path = join(FAKE, 'dist/cli.js');
  if (!existsSync(path)) {
    const tsc = createRequire(join(FAKE, 'package.json')).resolve('typescript/bin/tsc');
    const built = spawnSync(process.execPath, [tsc, '-p', join(FAKE, 'tsconfig.build.json')], {
      stdio: 'inherit',
    });
    if (built.status !== 0 || !existsSync(path)) {
      throw new Error(
        `[gcp-cloudrun tests] could not build the fake (${FAKE}); run \`pnpm exec turbo run build --filter @taskport/gcp-fake\``,
      );
    }
  }
  return path;
}

function start(): Promise<{ child: ChildProcess; port: number; control: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [cliPath(), '--ingestion-delay-ms', String(FAKE_INGESTION_DELAY_MS), '--exit-with-stdin'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    const timer = setTimeout(
      () => reject(new Error(`the gcp fake did not start in 30 s: ${err.slice(-2000)}`)),
      30_000,
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\d+) (\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]), control: match[2]! });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-4000);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the gcp fake exited with ${code}: ${err.slice(-2000)}`));
    });
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { child, port, control } = await start();
  project.provide('gcpEndpoint', `127.0.0.1:${port}`);
  project.provide('gcpControl', control);
  return async () => {
    if (child.pid === undefined || child.exitCode !== null) return;
    child.removeAllListeners('exit');
    const exited = new Promise((done) => child.once('exit', done));
    process.kill(child.pid, 'SIGTERM');
    const timer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
}

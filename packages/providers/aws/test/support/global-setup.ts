import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    motoEndpoint: string;
  }
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..');
const ENSURE = join(ROOT, 'tooling/moto/ensure-moto.sh');
const LAUNCHER = join(ROOT, 'tooling/moto/launcher.py');

/** The venv's python, creating the venv (pip install from PyPI) when it is missing. */
function motoPython(): string {
  const result = spawnSync('bash', [ENSURE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const python = result.stdout.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || !existsSync(python)) {
    throw new Error(
      `[aws tests] ${ENSURE} failed (exit ${result.status}); it installs moto from PyPI into .toolchain/moto-venv`,
    );
  }
  return python;
}

function start(python: string): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolvePort, reject) => {
    const child = spawn(python, [LAUNCHER, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(
      () => reject(new Error(`moto launcher did not start in 60 s: ${err.slice(-2000)}`)),
      60_000,
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolvePort({ child, port: Number(match[1]) });
      }
    });
    // moto logs every request on stderr; keep only the tail for error messages.
    child.stderr!.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-4000);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`moto launcher exited with ${code}: ${err.slice(-2000)}`));
    });
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const python = motoPython();
  const { child, port } = await start(python);
  const endpoint = `http://127.0.0.1:${port}`;
  // Tasks stay where the driver puts them (moto would otherwise advance them on every DescribeTasks).
  const response = await fetch(`${endpoint}/moto-api/state-manager/set-transition`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model_name: 'ecs::task',
      transition: { progression: 'manual', times: 1_000_000_000 },
    }),
  });
  if (!response.ok) throw new Error(`could not set moto's ECS task transitions: HTTP ${response.status}`);
  project.provide('motoEndpoint', endpoint);
  return async () => {
    if (child.pid !== undefined && child.exitCode === null) {
      child.removeAllListeners('exit');
      child.kill('SIGTERM');
      await new Promise((done) => {
        child.once('exit', done);
        setTimeout(done, 3000).unref();
      });
    }
  };
}

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));

let scratch: string | undefined;
afterEach(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

describe('the first-run bootstrap (tooling/scripts/toolchain.sh)', () => {
  it("installs pnpm with the machine-wide npmrc in force (the user's registry, proxy and CA settings)", async () => {
    // A registry on loopback that only records what is asked of it; the machine-wide npmrc (the one in
    // npm's prefix, here a scratch prefix) points at it. An install that reads that file asks it for pnpm.
    const asked: string[] = [];
    const registry = createServer((request, response) => {
      asked.push(request.url ?? '');
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    });
    await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
    const { port } = registry.address() as AddressInfo;
    scratch = mkdtempSync(join(tmpdir(), 'taskport-bootstrap-'));
    const root = join(scratch, 'repo');
    const prefix = join(scratch, 'npm-prefix');
    mkdirSync(join(root, 'tooling', 'scripts'), { recursive: true });
    mkdirSync(join(prefix, 'etc'), { recursive: true });
    writeFileSync(
      join(root, 'tooling', 'scripts', 'toolchain.sh'),
      readFileSync(join(REPO, 'tooling/scripts/toolchain.sh')),
    );
    writeFileSync(join(root, 'package.json'), '{ "packageManager": "pnpm@10.34.9" }\n');
    writeFileSync(join(prefix, 'etc', 'npmrc'), `registry=http://127.0.0.1:${port}/\nfetch-retries=0\n`);
    // PATH with this Node and the system's npm, but no pnpm, so the script has to install it.
    const path = [dirname(process.execPath), '/usr/bin', '/bin'].join(':');
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn('bash', ['-c', '. tooling/scripts/toolchain.sh'], {
        cwd: root,
        env: { PATH: path, HOME: scratch, npm_config_prefix: prefix, TASKPORT_ROOT: root },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.on('close', (code) => resolve({ code, stderr }));
    });
    registry.close();
    expect(result.stderr).toContain('installing pnpm 10.34.9 into .toolchain/pnpm');
    expect(
      asked.some((url) => url.includes('pnpm')),
      `the registry of the machine-wide npmrc was not asked: ${result.stderr}`,
    ).toBe(true);
    // It asked only that registry and failed, loudly, because that registry has no pnpm.
    expect(result.code).not.toBe(0);
  });

  it('the wrapper keeps pnpm store, cache and state in .toolchain/ and turns the update box off', () => {
    const wrapper = readFileSync(join(REPO, 'taskport'), 'utf8');
    for (const setting of ['store_dir', 'cache_dir', 'state_dir']) {
      expect(wrapper).toMatch(
        new RegExp(`export npm_config_${setting}="\\$\\{npm_config_${setting}:-\\$root/\\.toolchain/`),
      );
    }
    expect(wrapper).toContain('export npm_config_update_notifier=false');
  });
});

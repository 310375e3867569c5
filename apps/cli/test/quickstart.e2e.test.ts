import { existsSync } from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Sandbox } from './helpers/sandbox.js';

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await Sandbox.create();
});
afterEach(async () => {
  await sandbox.cleanup();
});

it('the README quick start works on an empty data directory, with no image registered', async () => {
  const result = await sandbox.run(['run', '--', 'echo', 'hello from taskport']);
  expect(result.stderr).not.toMatch(/taskport run:/);
  expect(result.code).toBe(0);
  expect(result.stdout).toBe('hello from taskport\n');
});

it('--version and --help open no data directory', async () => {
  expect((await sandbox.run(['--version'])).code).toBe(0);
  expect((await sandbox.run(['--help'])).code).toBe(0);
  expect((await sandbox.run(['run', '--help'])).code).toBe(0);
  expect(existsSync(sandbox.dataDir)).toBe(false);
});

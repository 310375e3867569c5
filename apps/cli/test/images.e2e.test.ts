import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IMAGE_KEYS, type ImageJson, Sandbox } from './helpers/sandbox.js';

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await Sandbox.create();
});
afterEach(async () => {
  await sandbox.cleanup();
});

async function images(): Promise<ImageJson[]> {
  return (await sandbox.json<{ images: ImageJson[] }>(['images', 'list', '--json'])).images;
}

describe('taskport images', () => {
  it('register prints the image id; the same config again gives the same id', async () => {
    const first = (await sandbox.ok(['images', 'register', 'alpine:3.20'])).trim();
    expect(first).toMatch(/^alpine:3\.20-[0-9a-f]{8}( \(default\))?$/);
    const again = (await sandbox.ok(['images', 'register', 'alpine:3.20'])).trim();
    expect(again).toBe(first);
    expect(await images()).toHaveLength(1);
  });

  it('register takes cpu, memory, platform and roles; show and list return them in the documented shape', async () => {
    const registered = await sandbox.json<ImageJson>([
      'images',
      'register',
      'ghcr.io/acme/etl:2.1',
      '--cpu',
      '1024',
      '--memory',
      '2048',
      '--platform',
      'linux/arm64',
      '--task-role',
      'etl-task',
      '--execution-role',
      'etl-exec',
      '--json',
    ]);
    expect(Object.keys(registered).sort()).toEqual(IMAGE_KEYS);
    expect(registered).toMatchObject({
      image: 'ghcr.io/acme/etl:2.1',
      cpu: 1024,
      memory: 2048,
      platform: 'linux/arm64',
      taskRole: 'etl-task',
      executionRole: 'etl-exec',
      registeredBy: 'e2e@example.com',
    });
    const shown = await sandbox.json<ImageJson>(['images', 'show', registered.imageId, '--json']);
    expect(shown).toEqual(registered);
    const byName = await sandbox.json<ImageJson>(['images', 'show', 'ghcr.io/acme/etl:2.1', '--json']);
    expect(byName.imageId).toBe(registered.imageId);
    const human = await sandbox.ok(['images', 'show', registered.imageId]);
    expect(human).toMatch(/^Image ID: +ghcr\.io\/acme\/etl:2\.1-/m);
    expect(human).toMatch(/^Platform: +linux\/arm64$/m);
  });

  it('default shows and moves the one default; list shows it first', async () => {
    const a = await sandbox.json<ImageJson>(['images', 'register', 'alpine:3.20', '--json']);
    const b = await sandbox.json<ImageJson>(['images', 'register', 'python:3.13', '--default', '--json']);
    expect(b.isDefault).toBe(true);
    expect((await sandbox.ok(['images', 'default'])).trim()).toBe(b.imageId);
    await sandbox.ok(['images', 'default', a.imageId]);
    const list = await images();
    expect(list.filter((i) => i.isDefault).map((i) => i.imageId)).toEqual([a.imageId]);
    expect(list[0]?.imageId).toBe(a.imageId);
    const table = await sandbox.ok(['images', 'list']);
    expect(table.split('\n')[0]).toMatch(/^IMAGE ID +DEFAULT +CPU +MEMORY +PLATFORM +REGISTERED +IMAGE$/);
  });

  it('rm removes an image; removing the default leaves none', async () => {
    const a = await sandbox.json<ImageJson>(['images', 'register', 'alpine:3.20', '--default', '--json']);
    expect((await sandbox.ok(['images', 'rm', a.imageId])).trim()).toBe(`removed ${a.imageId}`);
    expect(await images()).toEqual([]);
    const shown = await sandbox.run(['images', 'show', a.imageId]);
    expect(shown.code).toBe(1);
    expect(shown.stderr.trimEnd().split('\n')).toHaveLength(1);
    const none = await sandbox.run(['images', 'default', '--json']);
    expect(none.code).toBe(1);
    expect(JSON.parse(none.stdout)).toBeNull();
  });

  it('--data-dir (before or after the command) wins over TASKPORT_DATA_DIR', async () => {
    const other = join(sandbox.root, 'other');
    await sandbox.ok(['--data-dir', other, 'images', 'register', 'alpine:3.20']);
    await sandbox.ok(['images', 'register', 'python:3.13', '--data-dir', other]);
    const there = await sandbox.json<{ images: ImageJson[] }>([
      'images',
      'list',
      '--json',
      `--data-dir=${other}`,
    ]);
    expect(there.images.map((i) => i.image).sort()).toEqual(['alpine:3.20', 'python:3.13']);
    expect(await images()).toEqual([]);
  });

  it.each([
    [['images', 'register', 'alpine:3.20', '--cpu', 'abc'], /--cpu "abc" must be a whole number/],
    [['images', 'register', 'alpine:3.20', '--memory', '0'], /--memory "0" must be a whole number/],
    [
      ['images', 'register', 'alpine:3.20', '--platform', 'windows/amd64'],
      /platform "windows\/amd64" is not supported/,
    ],
    [['images', 'register'], /missing <image>/],
    [['images', 'register', 'Not A Valid Ref!'], /./],
    [['images', 'frobnicate'], /unknown command "images frobnicate"/],
  ])('%j exits 2 with one line and registers nothing', async (args, message) => {
    const result = await sandbox.run(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(await images()).toEqual([]);
  });
});

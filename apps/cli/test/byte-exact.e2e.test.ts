import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { idsOf, Sandbox } from './helpers/sandbox.js';

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await Sandbox.create();
});
afterEach(async () => {
  await sandbox.cleanup();
});

describe('output is byte-exact through capture, run and logs', () => {
  const samples: [string, Buffer][] = [
    ['random binary data', randomBytes(300_000)],
    ['CRLF text without a final newline', Buffer.from('line one\r\nline two\r\n\r\nlast, no newline')],
    ['invalid UTF-8 and a lone CR', Buffer.from([0x61, 0xff, 0x0a, 0x0d, 0xc3, 0x28, 0x0a, 0x62, 0x0d])],
  ];

  it.each(samples)('taskport run -- cat f, and taskport logs, give back %s exactly', async (_name, data) => {
    const file = join(sandbox.root, 'input.bin');
    await writeFile(file, data);
    const run = await sandbox.runBytes(['run', '--', 'cat', file]);
    expect(run.code).toBe(0);
    expect(run.stdout.equals(data), 'run stdout differs from the file').toBe(true);
    const { executionId } = idsOf(run.stderr.toString());
    const logs = await sandbox.runBytes(['logs', executionId]);
    expect(logs.code).toBe(0);
    expect(logs.stdout.equals(data), 'logs stdout differs from the file').toBe(true);

    // --json keeps the text and, where the text is not the bytes, the bytes in base64.
    const json = await sandbox.runBytes(['logs', '--json', executionId]);
    const events = json.stdout
      .toString()
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { message: string; bytes?: string; encoding?: string });
    const rebuilt = Buffer.concat(
      events.map((e) =>
        e.bytes !== undefined ? Buffer.from(e.bytes, 'base64') : Buffer.from(`${e.message}\n`),
      ),
    );
    expect(rebuilt.equals(data)).toBe(true);
    for (const e of events) if (e.bytes !== undefined) expect(e.encoding).toBe('base64');
  });
});

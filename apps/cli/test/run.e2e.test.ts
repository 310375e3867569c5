import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXECUTION_KEYS, type ExecutionJson, eventually, idsOf, Sandbox } from './helpers/sandbox.js';

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await Sandbox.create();
  await sandbox.ok(['images', 'register', 'alpine:3.20', '--default']);
});
afterEach(async () => {
  await sandbox.cleanup();
});

async function executions(): Promise<ExecutionJson[]> {
  return (await sandbox.json<{ executions: ExecutionJson[] }>(['list', '--json', '--limit', '1000']))
    .executions;
}

describe('taskport run', () => {
  it('prints the output on stdout, the ids on stderr, and exits 0', async () => {
    const result = await sandbox.run(['run', '--', 'echo', 'hello from taskport']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('hello from taskport\n');
    const { executionId, requestId } = idsOf(result.stderr);
    expect(executionId).not.toBe('');
    expect(requestId).toMatch(/^req-/);
    const status = await sandbox.json<ExecutionJson>(['status', executionId, '--json']);
    expect(status).toMatchObject({
      status: 'SUCCEEDED',
      exitCode: 0,
      command: ['echo', 'hello from taskport'],
    });
  });

  it("exits with the task's own exit code", async () => {
    const result = await sandbox.run(['run', '--', 'sh', '-c', 'exit 3']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/FAILED \(exit 3\)/);
  });

  it("keeps the task's stdout and stderr apart", async () => {
    const result = await sandbox.run(['run', '--', 'sh', '-c', 'echo out; echo err >&2']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('out\n');
    expect(result.stderr).toContain('err\n');
  });

  it('runs a single argument with spaces through /bin/sh -c', async () => {
    const result = await sandbox.run(['run', '--', 'echo a && echo b']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('a\nb\n');
  });

  it('passes --env, copies a bare --env NAME from here, and never records --secret values', async () => {
    const result = await sandbox.run(
      [
        'run',
        '--env',
        'GREETING=hi',
        '--env',
        'FROM_HERE',
        '--secret',
        'TOKEN',
        '--label',
        'team=data',
        '--',
        'sh',
        '-c',
        'echo "$GREETING $FROM_HERE $(printf %s "$TOKEN" | wc -c | tr -d " ")"',
      ],
      { env: { FROM_HERE: 'copied', TOKEN: 's3cr3t-value' } },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('hi copied 12\n');
    const { executionId } = idsOf(result.stderr);
    const raw = await sandbox.ok(['status', executionId, '--json']);
    expect(raw).not.toContain('s3cr3t-value');
    const status = JSON.parse(raw) as ExecutionJson;
    expect(status.envKeys.sort()).toEqual(['FROM_HERE', 'GREETING', 'TOKEN']);
    expect(status.labels).toEqual({ team: 'data' });
  });

  it('exits 124 when the task hits --timeout', async () => {
    const result = await sandbox.run(['run', '--timeout', '1s', '--', 'sleep', '30']);
    expect(result.code).toBe(124);
    const status = await sandbox.json<ExecutionJson>(['status', idsOf(result.stderr).executionId, '--json']);
    expect(status).toMatchObject({ status: 'FAILED', stopCode: 'TIMED_OUT', timeoutSeconds: 1 });
  });

  it('exits 130 when the task is killed while being followed', async () => {
    const child = sandbox.spawn(['run', '--', 'sh', '-c', 'echo ready; sleep 30']);
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const id = await eventually(
      async () => /execution (\S+)/.exec(stderr)?.[1],
      (value) => value !== undefined,
    );
    await sandbox.ok(['kill', id as string]);
    expect(await exited).toBe(130);
  });

  it('with --detach prints the execution id on stdout and returns while the task runs', async () => {
    const result = await sandbox.run(['run', '--detach', '--', 'sh', '-c', 'echo started; sleep 30']);
    expect(result.code).toBe(0);
    const id = result.stdout.trim();
    expect(result.stdout).toBe(`${id}\n`);
    expect(result.stderr).toMatch(/request req-/);
    try {
      const status = await sandbox.json<ExecutionJson>(['status', id, '--json']);
      expect(['STARTING', 'RUNNING']).toContain(status.status);
      await eventually(
        () => sandbox.ok(['logs', id]),
        (out) => out === 'started\n',
      );
    } finally {
      await sandbox.ok(['kill', '--wait', id]);
    }
    const after = await sandbox.json<ExecutionJson>(['status', id, '--json']);
    expect(after).toMatchObject({ status: 'STOPPED', stopCode: 'USER_INITIATED' });
  });

  it('with --detach --json prints the execution in the documented shape', async () => {
    const execution = await sandbox.json<ExecutionJson>(['run', '--detach', '--json', '--', 'true']);
    expect(Object.keys(execution).sort()).toEqual(EXECUTION_KEYS);
    expect(execution.createdBy).toBe('e2e@example.com');
    // Let the task finish before the sandbox goes, so its supervisor does not write into a deleted directory.
    await eventually(
      () => sandbox.json<ExecutionJson>(['status', execution.executionId, '--json']),
      (e) => e.status === 'SUCCEEDED',
    );
  });

  it('Ctrl-C while following detaches, says how to re-attach or kill, and leaves the task running', async () => {
    const child = sandbox.spawn(['run', '--', 'sh', '-c', 'echo ready; sleep 30']);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await eventually(
      async () => stdout,
      (out) => out.includes('ready'),
    );
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const { executionId } = idsOf(stderr);
    expect(stderr).toContain(`taskport logs --follow ${executionId}`);
    expect(stderr).toContain(`taskport kill ${executionId}`);
    const status = await sandbox.json<ExecutionJson>(['status', executionId, '--json']);
    expect(status.status).toBe('RUNNING');
    await sandbox.ok(['kill', '--wait', executionId]);
  });
});

describe('taskport run -i and --workdir', () => {
  it("-i sends taskport's stdin to the task byte for byte, and closes it", async () => {
    const input = randomBytes(256 * 1024);
    const result = await sandbox.runBytes(['run', '-i', '--', 'cat'], { input });
    expect(result.code).toBe(0);
    expect(Buffer.compare(result.stdout, input)).toBe(0);
  });

  it('-i hands over lines as a program reads them, and the end of input as EOF', async () => {
    const result = await sandbox.run(
      ['run', '-i', '--', 'sh', '-c', 'read first; read second; echo "$second/$first"; cat; echo done'],
      { input: 'one\ntwo\nrest\n' },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('two/one\nrest\ndone\n');
  });

  it('without -i the task reads an empty stdin, whatever is piped into taskport', async () => {
    const result = await sandbox.run(['run', '--', 'sh', '-c', 'cat; echo end'], {
      input: 'not for the task\n',
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('end\n');
  });

  it('--workdir starts the command in that directory and status shows it', async () => {
    const result = await sandbox.run(['run', '--workdir', '/usr', '--', 'pwd']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('/usr\n');
    const { executionId } = idsOf(result.stderr);
    expect(await sandbox.ok(['status', executionId])).toMatch(/^Workdir: +\/usr$/m);
  });

  it('--workdir of a directory that does not exist fails the task and says which', async () => {
    const missing = join(sandbox.root, 'no-such-dir');
    const result = await sandbox.run(['run', '--workdir', missing, '--', 'pwd']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`working directory ${missing} does not exist`);
  });
});

describe('taskport run rejects bad input before anything runs', () => {
  it.each([
    [['run'], /no command given/],
    [['run', '--'], /no command given/],
    [['run', '--bogus', '--', 'true'], /unknown option --bogus/],
    [['run', '--timeout', '5x', '--', 'true'], /--timeout "5x" is not a duration/],
    [['run', '--env', '=x', '--', 'true'], /--env "=x" has an empty name/],
    [['run', '--env', '1BAD=x', '--', 'true'], /env name "1BAD" is not a valid variable name/],
    [['run', '--label', 'nolabel', '--', 'true'], /--label "nolabel" must be KEY=VALUE/],
    [['run', '--secret', 'UNSET_SECRET_VAR', '--', 'true'], /UNSET_SECRET_VAR is not set/],
    [['run', '--json', '--', 'true'], /--json goes with --detach/],
    [['run', '--workdir', 'relative/dir', '--', 'pwd'], /--workdir "relative\/dir" must be an absolute path/],
    [['run', '-i', '--detach', '--', 'cat'], /-i \(--interactive\) goes without --detach/],
    [
      ['run', '-i', 'alpine:3.20', '--', 'true'],
      /-i is --interactive \(stdin\), an image is --image alpine:3.20/,
    ],
  ])('%j exits 2 with one line', async (args, message) => {
    const result = await sandbox.run(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(await executions()).toEqual([]);
  });

  it('an unknown image fails with exit 2 and starts nothing', async () => {
    const marker = join(sandbox.root, 'ran');
    const result = await sandbox.run(['run', '--image', 'no-such-image:1', '--', 'touch', marker]);
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/no-such-image/);
    expect(existsSync(marker)).toBe(false);
    expect(await executions()).toEqual([]);
  });
});

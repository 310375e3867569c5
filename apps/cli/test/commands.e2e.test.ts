import { readFile, writeFile } from 'node:fs/promises';
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

describe('taskport list', () => {
  it('--json gives {executions, nextCursor}, newest first, pages with --limit/--cursor, filters by --status', async () => {
    const ok = idsOf((await sandbox.run(['run', '--', 'true'])).stderr).executionId;
    const failed = idsOf((await sandbox.run(['run', '--', 'false'])).stderr).executionId;

    const all = await sandbox.json<{ executions: ExecutionJson[]; nextCursor: string | null }>([
      'list',
      '--json',
    ]);
    expect(Object.keys(all).sort()).toEqual(['executions', 'nextCursor']);
    expect(all.nextCursor).toBeNull();
    expect(all.executions.map((e) => e.executionId)).toEqual([failed, ok]);
    for (const e of all.executions) expect(Object.keys(e).sort()).toEqual(EXECUTION_KEYS);
    expect(all.executions[0]).toMatchObject({ status: 'FAILED', exitCode: 1, command: ['false'] });

    const first = await sandbox.json<{ executions: ExecutionJson[]; nextCursor: string | null }>([
      'list',
      '--json',
      '--limit',
      '1',
    ]);
    expect(first.executions.map((e) => e.executionId)).toEqual([failed]);
    expect(typeof first.nextCursor).toBe('string');
    const second = await sandbox.json<{ executions: ExecutionJson[] }>([
      'list',
      '--json',
      '--limit',
      '1',
      '--cursor',
      first.nextCursor as string,
    ]);
    expect(second.executions.map((e) => e.executionId)).toEqual([ok]);

    const succeeded = await sandbox.json<{ executions: ExecutionJson[] }>([
      'list',
      '--json',
      '--status',
      'succeeded',
    ]);
    expect(succeeded.executions.map((e) => e.executionId)).toEqual([ok]);
  });

  it('prints an aligned table on a non-terminal, without colour codes', async () => {
    await sandbox.run(['run', '--', 'echo', 'hi']);
    const out = await sandbox.ok(['list']);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^EXECUTION +STATUS +EXIT +IMAGE +CREATED +DURATION +COMMAND$/);
    expect(lines[1]).toMatch(/ SUCCEEDED +0 +alpine:3\.20-[0-9a-f]{8} .* echo hi$/);
    expect(lines[1]?.indexOf('SUCCEEDED')).toBe(lines[0]?.indexOf('STATUS'));
    expect(out).not.toContain('\x1b[');
  });

  it.each([
    [['list', '--limit', '0'], /--limit "0" must be a whole number from 1 to 1000/],
    [['list', '--status', 'done'], /--status "done" is not a status/],
    [['list', 'extra'], /unexpected argument "extra"/],
  ])('%j exits 2 with one line', async (args, message) => {
    const result = await sandbox.run(args);
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });
});

describe('taskport logs', () => {
  it('--follow prints every line of a running task in order and ends when it ends', async () => {
    const id = (
      await sandbox.ok([
        'run',
        '--detach',
        '--',
        'sh',
        '-c',
        'for i in 1 2 3 4 5; do echo line $i; sleep 0.1; done',
      ])
    ).trim();
    const followed = await sandbox.run(['logs', id, '--follow']);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toBe('line 1\nline 2\nline 3\nline 4\nline 5\n');
    const status = await sandbox.json<ExecutionJson>(['status', id, '--json']);
    expect(status.status).toBe('SUCCEEDED');
  });

  it('--json prints one event per line with timestamp, stream, message and eventId', async () => {
    const { executionId } = idsOf(
      (await sandbox.run(['run', '--', 'sh', '-c', 'echo out; echo err >&2'])).stderr,
    );
    const lines = (await sandbox.ok(['logs', executionId, '--json'])).trimEnd().split('\n');
    const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.map((e) => Object.keys(e).sort())).toEqual([
      ['eventId', 'message', 'stream', 'timestamp'],
      ['eventId', 'message', 'stream', 'timestamp'],
    ]);
    expect(events.map((e) => [e.stream, e.message]).sort()).toEqual([
      ['stderr', 'err'],
      ['stdout', 'out'],
    ]);
  });

  it('--timestamps prefixes each line with its ISO 8601 time', async () => {
    const { executionId } = idsOf((await sandbox.run(['run', '--', 'echo', 'stamped'])).stderr);
    const out = await sandbox.ok(['logs', executionId, '--timestamps']);
    expect(out).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z stamped\n$/);
  });

  it('of an unknown execution exits 1 with one line', async () => {
    const result = await sandbox.run(['logs', 'no-such-execution']);
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('taskport status and kill', () => {
  it('status shows the execution as aligned fields', async () => {
    const { executionId, requestId } = idsOf(
      (await sandbox.run(['run', '--label', 'team=data', '--', 'sh', '-c', 'exit 4'])).stderr,
    );
    const out = await sandbox.ok(['status', executionId]);
    expect(out).toMatch(new RegExp(`^Execution: +${executionId}$`, 'm'));
    expect(out).toMatch(/^Status: +FAILED \(exit 4\)$/m);
    expect(out).toMatch(/^Labels: +team=data$/m);
    expect(out).toMatch(new RegExp(`^Request: +${requestId}$`, 'm'));
  });

  it('status of an unknown execution exits 1 with one line; without an id exits 2', async () => {
    const unknown = await sandbox.run(['status', 'no-such-execution']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trimEnd().split('\n')).toHaveLength(1);
    const missing = await sandbox.run(['status']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing <execution-id>/);
  });

  it('kill of a finished execution changes nothing and says so', async () => {
    const { executionId } = idsOf((await sandbox.run(['run', '--', 'true'])).stderr);
    const result = await sandbox.json<{ execution: ExecutionJson; alreadyFinished: boolean }>([
      'kill',
      executionId,
      '--json',
    ]);
    expect(result.alreadyFinished).toBe(true);
    expect(result.execution.status).toBe('SUCCEEDED');
  });

  /** A detached task that reports the signals it gets; returns its id once its traps are set. */
  async function signalAware(): Promise<string> {
    const script =
      'trap "echo got-TERM" TERM; trap "echo got-INT; exit 5" INT; echo ready; while :; do sleep 0.1; done';
    const id = (await sandbox.ok(['run', '--detach', '--', 'sh', '-c', script])).trim();
    await eventually(
      () => sandbox.ok(['logs', id]),
      (out) => out.includes('ready'),
    );
    return id;
  }

  it('kill --signal INT sends SIGINT first: the task handles it and stops', async () => {
    const id = await signalAware();
    const result = await sandbox.json<{ execution: ExecutionJson }>([
      'kill',
      '--signal',
      'INT',
      '--wait',
      id,
      '--json',
    ]);
    expect(result.execution).toMatchObject({ status: 'STOPPED', stopCode: 'USER_INITIATED', exitCode: 5 });
    expect(await sandbox.ok(['logs', id])).toBe('ready\ngot-INT\n');
  });

  it('kill --grace 0 sends SIGKILL at once: no handler runs', async () => {
    const id = await signalAware();
    const result = await sandbox.json<{ execution: ExecutionJson }>([
      'kill',
      '--grace',
      '0',
      '--wait',
      id,
      '--json',
    ]);
    expect(result.execution).toMatchObject({ status: 'STOPPED', exitCode: 137 });
    expect(await sandbox.ok(['logs', id])).toBe('ready\n');
  });

  it('kill --grace 1s lets a task that survives SIGTERM run until SIGKILL', async () => {
    const id = await signalAware();
    const result = await sandbox.json<{ execution: ExecutionJson }>([
      'kill',
      '--grace',
      '1s',
      '--wait',
      id,
      '--json',
    ]);
    expect(result.execution).toMatchObject({ status: 'STOPPED', exitCode: 137 });
    expect(result.execution.reason).toContain('SIGTERM, then SIGKILL after 1000 ms');
    expect(await sandbox.ok(['logs', id])).toBe('ready\ngot-TERM\n');
  });

  it.each([
    [['--signal', 'STOP'], /--signal: unknown stop signal "STOP"/],
    [['--grace', '2h'], /--grace "2h" is too long/],
    [['--grace', 'soon'], /--grace "soon" is not a duration/],
  ])('kill %j exits 2 and stops nothing', async (flags, message) => {
    const id = await signalAware();
    const result = await sandbox.run(['kill', ...flags, id]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect((await sandbox.json<ExecutionJson>(['status', id, '--json'])).status).toBe('RUNNING');
    await sandbox.ok(['kill', '--grace', '0', id]);
  });
});

describe('taskport trace', () => {
  it("shows the backend's lines and the execution of a run's request id", async () => {
    const { executionId, requestId } = idsOf((await sandbox.run(['run', '--', 'true'])).stderr);
    const trace = await sandbox.json<{
      requestId: string;
      logs: { message: string }[];
      executions: ExecutionJson[];
    }>(['trace', requestId, '--json']);
    expect(trace.requestId).toBe(requestId);
    expect(trace.executions.map((e) => e.executionId)).toContain(executionId);
    expect(trace.logs.length).toBeGreaterThan(0);
    expect(trace.logs.some((line) => line.message.includes('execution started'))).toBe(true);
    const human = await sandbox.ok(['trace', requestId]);
    expect(human).toContain(executionId);
  });

  it('of a request nobody made says so and exits 1, as status of an unknown id does', async () => {
    const result = await sandbox.run(['trace', 'req-never-made']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^taskport: nothing recorded for request req-never-made; /);
    expect((await sandbox.run(['trace', 'req-never-made', '--json'])).code).toBe(1);
  });
});

describe('taskport config show', () => {
  it('shows every port on local by default, and where the data dir came from', async () => {
    const config = await sandbox.json<{
      configFile: string | null;
      ports: Record<string, { provider: string; source: string }>;
      providers: Record<string, { options: Record<string, unknown>; sources: Record<string, string> }>;
    }>(['config', 'show', '--json']);
    expect(config.configFile).toBeNull();
    expect(Object.keys(config.ports).sort()).toEqual([
      'backendObservability',
      'executionStore',
      'imageRegistry',
      'logAggregator',
      'taskExecutor',
    ]);
    for (const port of Object.values(config.ports))
      expect(port).toEqual({ provider: 'local', source: 'default' });
    expect(config.providers.local?.options.dataDir).toBe(sandbox.dataDir);
    expect(config.providers.local?.sources.dataDir).toBe('env');
  });

  it('reads the config file named by TASKPORT_CONFIG', async () => {
    const file = join(sandbox.root, 'from-env.yaml');
    await writeFile(file, 'local:\n  pollIntervalMs: 25\n');
    const config = await sandbox.json<{
      configFile: string | null;
      providers: Record<string, { options: Record<string, unknown> }>;
    }>(['config', 'show', '--json'], { env: { TASKPORT_CONFIG: file } });
    expect(config.configFile).toBe(file);
    expect(config.providers.local?.options.pollIntervalMs).toBe(25);
  });

  it('a broken config file fails every command with exit 2 and one line naming the file', async () => {
    const file = join(sandbox.root, 'broken.yaml');
    await writeFile(file, 'providers: { taskExecutor: nowhere }\n');
    for (const args of [['list'], ['run', '--', 'true']]) {
      const result = await sandbox.run(['--config', file, ...args]);
      expect(result.code).toBe(2);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(file);
    }
  });

  it('reports values from a config file and from --data-dir', async () => {
    const file = join(sandbox.root, 'taskport.yaml');
    await writeFile(file, 'local:\n  killGraceMs: 500\n');
    const other = join(sandbox.root, 'other-data');
    const config = await sandbox.json<{
      configFile: string | null;
      providers: Record<string, { options: Record<string, unknown>; sources: Record<string, string> }>;
    }>(['--config', file, '--data-dir', other, 'config', 'show', '--json']);
    expect(config.configFile).toBe(file);
    expect(config.providers.local?.options).toMatchObject({ killGraceMs: 500, dataDir: other });
    expect(config.providers.local?.sources).toMatchObject({ killGraceMs: 'file', dataDir: 'argument' });
    const human = await sandbox.ok(['--config', file, 'config', 'show']);
    expect(human).toMatch(/^taskExecutor +local +default$/m);
    expect(human).toMatch(/^killGraceMs +500 +file$/m);
  });
});

describe('help, version and usage', () => {
  const commands = [
    ['run'],
    ['status'],
    ['logs'],
    ['kill'],
    ['list'],
    ['reconcile'],
    ['trace'],
    ['images', 'register'],
    ['images', 'list'],
    ['images', 'show'],
    ['images', 'rm'],
    ['images', 'default'],
    ['config', 'show'],
  ];
  it.each(commands)('%s --help shows usage and examples and exits 0', async (...words) => {
    const result = await sandbox.run([...words, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage:\n  taskport ${words.join(' ')}`);
    expect(result.stdout).toContain('Examples:\n  taskport ');
  });

  it('--help lists every command and the reserved exit codes', async () => {
    const out = await sandbox.ok(['--help']);
    for (const words of commands) expect(out).toContain(words.join(' '));
    expect(out).toMatch(/124 +run: the task timed out/);
    expect(out).toMatch(/125 +run: taskport or the infrastructure failed/);
    expect(out).toMatch(/130 +run: the task was killed/);
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(await sandbox.ok(['--version'])).toBe(`taskport ${version}\n`);
  });

  it('a mistyped command exits 2 and suggests the closest one', async () => {
    const result = await sandbox.run(['stauts', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'taskport: unknown command "stauts" (did you mean "status"?); run \'taskport --help\' for the list\n',
    );
  });

  it('an unknown command exits 2 with one line', async () => {
    const result = await sandbox.run(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'taskport: unknown command "frobnicate"; run \'taskport --help\' for the list\n',
    );
  });
});

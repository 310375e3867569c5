import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ExecutionJson, eventually, Sandbox } from './helpers/sandbox.js';

// What a new user ran into, each as the user met it: through the built CLI.

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await Sandbox.create();
});
afterEach(async () => {
  await sandbox.cleanup();
});

type Page = { executions: ExecutionJson[]; nextCursor: string | null };

describe('list shows provider truth', () => {
  it('finished detached runs read as finished in list, and --status RUNNING does not return them', async () => {
    const ids: string[] = [];
    for (const code of [0, 3]) {
      ids.push((await sandbox.ok(['run', '--detach', '--', 'sh', '-c', `exit ${code}`])).trim());
    }
    const running = (await sandbox.ok(['run', '--detach', '--', 'sleep', '30'])).trim();
    // Wait on the data directory only (not through taskport), so that list is the first reader.
    const db = new DatabaseSync(join(sandbox.dataDir, 'taskport.db'), { readOnly: true });
    await eventually(
      async () =>
        db
          .prepare(`SELECT status FROM tasks WHERE execution_id IN (?, ?)`)
          .all(ids[0]!, ids[1]!)
          .map((r) => (r as { status: string }).status),
      (statuses) => statuses.every((s) => s === 'SUCCEEDED' || s === 'FAILED'),
    );
    await eventually(
      async () =>
        (db.prepare('SELECT status FROM tasks WHERE execution_id = ?').get(running) as { status: string })
          .status,
      (status) => status === 'RUNNING',
    );
    db.close();
    const page = await sandbox.json<Page>(['list', '--json']);
    const status = Object.fromEntries(page.executions.map((e) => [e.executionId, e.status]));
    expect(status).toEqual({ [ids[0]!]: 'SUCCEEDED', [ids[1]!]: 'FAILED', [running]: 'RUNNING' });
    const onlyRunning = await sandbox.json<Page>(['list', '--json', '--status', 'RUNNING']);
    expect(onlyRunning.executions.map((e) => e.executionId)).toEqual([running]);
    await sandbox.ok(['kill', running]);
  });

  it('the "more:" hint of a filtered page keeps the filters and the page size', async () => {
    for (let i = 0; i < 3; i++) await sandbox.ok(['run', '--', 'true']);
    await sandbox.ok(['run', '--', 'false']).catch(() => undefined);
    const result = await sandbox.run(['list', '-n', '2', '--status', 'succeeded', '--label', 'team=a b']);
    expect(result.stderr).toContain('no executions match --status SUCCEEDED --label team=a b');
    const first = await sandbox.run(['list', '-n', '2', '--status', 'succeeded']);
    const hint = /more: (taskport list .*)\n/.exec(first.stderr)?.[1];
    expect(hint).toMatch(/^taskport list --status SUCCEEDED --limit 2 --cursor \S+$/);
    const second = await sandbox.run(hint!.split(' ').slice(1));
    expect(second.code).toBe(0);
    expect(second.stdout.trimEnd().split('\n')).toHaveLength(2); // header + the third SUCCEEDED run
    expect(second.stdout).not.toContain('FAILED');
  });
});

describe('the config file and the data directory', () => {
  it('taskport.yaml is found from a sub-directory, as git finds .git', async () => {
    await writeFile(join(sandbox.root, 'taskport.yaml'), 'local:\n  killGraceMs: 1234\n');
    const deep = join(sandbox.root, 'src', 'module');
    await mkdir(deep, { recursive: true });
    const shown = await sandbox.json<{
      configFile: string | null;
      providers: Record<string, { options: Record<string, unknown> }>;
    }>(['config', 'show', '--json'], { cwd: deep });
    expect(shown.configFile).toBe(join(sandbox.root, 'taskport.yaml'));
    expect(shown.providers.local?.options.killGraceMs).toBe(1234);
    expect(await sandbox.ok(['config', 'show', '--help'])).toMatch(/any directory above it/);
  });

  it('a record of another executor: kill and status say which executor and how to select it', async () => {
    const id = (await sandbox.ok(['run', '--detach', '--', 'sleep', '30'])).trim();
    await sandbox.ok(['status', id]);
    const db = new DatabaseSync(join(sandbox.dataDir, 'taskport.db'));
    const setExecutor = (name: string) =>
      db
        .prepare(`UPDATE executions SET record = json_set(record, '$.executor', ?) WHERE execution_id = ?`)
        .run(name, id);
    setExecutor('aws');
    const kill = await sandbox.run(['kill', id]);
    expect(kill.code).toBe(2);
    expect(kill.stderr).toContain('started by the "aws" executor');
    expect(kill.stderr).toContain('taskport.yaml');
    const status = await sandbox.run(['status', id]);
    expect(status.code).toBe(0);
    expect(status.stderr).toMatch(/warning: .*"aws" executor.*may be stale/);
    setExecutor('local');
    db.close();
    await sandbox.ok(['kill', id]);
  });

  it('an unusable --data-dir fails at once with exit 2 and says what to fix', async () => {
    const result = await sandbox.run(['--data-dir', '/proc/nope', 'list']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot create the data directory \/proc\/nope.*TASKPORT_DATA_DIR/);
  });
});

describe('messages a new user reads', () => {
  it("--timeout -5m and --timeout 100d say what is wrong in the user's terms", async () => {
    const negative = await sandbox.run(['run', '--timeout', '-5m', '--', 'true']);
    expect(negative.code).toBe(2);
    expect(negative.stderr).not.toContain('does not take a value');
    expect(negative.stderr).toMatch(/--timeout needs a value.*negative values are not allowed/);
    const joined = await sandbox.run(['run', '--timeout=-5m', '--', 'true']);
    expect(joined.stderr).toContain('--timeout "-5m" must be positive');
    const long = await sandbox.run(['run', '--timeout', '100d', '--', 'true']);
    expect(long.code).toBe(2);
    expect(long.stderr).toContain('--timeout "100d" is too long; the longest allowed is 7d');
    expect(long.stderr).not.toContain('timeoutSeconds');
  });

  it('run ls -la /tmp without "--" says to put the command after "--"', async () => {
    const result = await sandbox.run(['run', 'ls', '-la', '/tmp']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('put the command after "--"');
    expect(result.stderr).toContain('taskport run -- ls -la /tmp');
    expect(result.stderr).not.toContain('--label');
  });

  it('help names only providers that exist and uses ids a provider produces', async () => {
    const top = await sandbox.ok(['--help']);
    expect(top).not.toMatch(/Cloud Run|Kubernetes/);
    for (const command of ['status', 'logs', 'kill']) {
      const help = await sandbox.ok([command, '--help']);
      expect(help).not.toContain('exe-');
      expect(help).toMatch(/loc-[0-9a-z]{20,}/);
    }
  });

  it('run --image on the local executor says, on stderr and in status, that the image is not used', async () => {
    // With no image at all the command runs on the host as documented, and nothing needs saying.
    const plain = await sandbox.run(['run', '--', 'true']);
    expect(plain.stderr).not.toContain('note:');
    await sandbox.ok(['images', 'register', 'python:3.12-slim']);
    const run = await sandbox.run(['run', '--image', 'python:3.12-slim', '--', 'true']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /note: the local executor runs the command on this machine, not in a container; image python:3\.12-slim/,
    );
    const id = /execution (\S+)/.exec(run.stderr)![1]!;
    const status = await sandbox.run(['status', id]);
    expect(status.stderr).toMatch(/note: .*image python:3\.12-slim was recorded but not used/);
  });
});

describe('verbs users of docker and kubectl expect', () => {
  it("wait exits with the task's exit code; --json prints the execution; --timeout gives up with 1", async () => {
    const id = (await sandbox.ok(['run', '--detach', '--', 'sh', '-c', 'sleep 1; exit 7'])).trim();
    const waited = await sandbox.run(['wait', id]);
    expect(waited.code).toBe(7);
    expect(waited.stderr).toContain('FAILED (exit 7)');
    const json = await sandbox.run(['wait', id, '--json']);
    expect(json.code).toBe(7);
    expect(JSON.parse(json.stdout)).toMatchObject({ executionId: id, status: 'FAILED', exitCode: 7 });
    const long = (await sandbox.ok(['run', '--detach', '--', 'sleep', '30'])).trim();
    const gaveUp = await sandbox.run(['wait', long, '--timeout', '1s']);
    expect(gaveUp.code).toBe(1);
    expect(gaveUp.stderr).toMatch(/still (STARTING|RUNNING) after 1s; it keeps running/);
    await sandbox.ok(['kill', long]);
  });

  it('a unique id prefix works wherever an id is taken; an ambiguous one lists the candidates', async () => {
    const a = (await sandbox.ok(['run', '--detach', '--', 'echo', 'one'])).trim();
    const b = (await sandbox.ok(['run', '--detach', '--', 'echo', 'two'])).trim();
    let common = 0;
    while (a[common] === b[common]) common++;
    const short = a.slice(0, common + 1);
    await sandbox.run(['wait', short]);
    expect(JSON.parse(await sandbox.ok(['status', short, '--json'])).executionId).toBe(a);
    expect(await sandbox.ok(['logs', short])).toBe('one\n');
    const ambiguous = await sandbox.run(['status', a.slice(0, common)]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('is ambiguous');
    expect(ambiguous.stderr).toContain(a);
    expect(ambiguous.stderr).toContain(b);
  });

  it('logs --tail N prints the last N lines; --since skips older lines', async () => {
    const run = await sandbox.run(['run', '--', 'seq', '1', '1000']);
    const id = /execution (\S+)/.exec(run.stderr)![1]!;
    expect(await sandbox.ok(['logs', id, '--tail', '3'])).toBe('998\n999\n1000\n');
    expect(await sandbox.ok(['logs', id, '--tail', '0'])).toBe('');
    expect((await sandbox.ok(['logs', id, '--since', '1h'])).split('\n')).toHaveLength(1001);
    expect(await sandbox.ok(['logs', id, '--since', new Date(Date.now() + 60_000).toISOString()])).toBe('');
    expect(await sandbox.ok(['logs', id, '--tail', '2', '--follow'])).toBe('999\n1000\n');
  });
});

describe('retention', () => {
  it('rm removes a finished execution and its output; a running one is refused', async () => {
    const run = await sandbox.run(['run', '--', 'echo', 'bye']);
    const id = /execution (\S+)/.exec(run.stderr)![1]!;
    const running = (await sandbox.ok(['run', '--detach', '--', 'sleep', '30'])).trim();
    const result = await sandbox.run(['rm', id, running]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(`${id}\n`);
    expect(result.stderr).toMatch(/is (STARTING|RUNNING); stop it first/);
    expect((await sandbox.run(['status', id])).code).toBe(1);
    const db = new DatabaseSync(join(sandbox.dataDir, 'taskport.db'), { readOnly: true });
    const count = (sql: string) => (db.prepare(sql).get(id) as { n: number }).n;
    expect(count('SELECT COUNT(*) AS n FROM task_logs WHERE execution_id = ?')).toBe(0);
    expect(count('SELECT COUNT(*) AS n FROM tasks WHERE execution_id = ?')).toBe(0);
    db.close();
    await sandbox.ok(['kill', running]);
  });

  it('prune --older-than removes old finished executions and backend lines, and keeps the rest', async () => {
    const old = /execution (\S+)/.exec((await sandbox.run(['run', '--', 'echo', 'old'])).stderr)![1]!;
    const fresh = /execution (\S+)/.exec((await sandbox.run(['run', '--', 'echo', 'new'])).stderr)![1]!;
    // Age the first one by 10 days in the record, as time would.
    const db = new DatabaseSync(join(sandbox.dataDir, 'taskport.db'));
    const tenDaysAgo = Date.now() - 10 * 86400_000;
    db.prepare(
      `UPDATE executions SET created_ms = ?, record = json_set(record, '$.createdAt', ?) WHERE execution_id = ?`,
    ).run(tenDaysAgo, new Date(tenDaysAgo).toISOString(), old);
    db.prepare('UPDATE backend_logs SET ts = ? WHERE id IN (SELECT id FROM backend_logs LIMIT 3)').run(
      tenDaysAgo,
    );
    db.close();
    const dry = JSON.parse(await sandbox.ok(['prune', '--older-than', '7d', '--dry-run', '--json']));
    expect(dry).toMatchObject({ executions: [old], dryRun: true, backendLines: 0 });
    const pruned = JSON.parse(await sandbox.ok(['prune', '--older-than', '7d', '--json']));
    expect(pruned).toMatchObject({ executions: [old], backendLines: 3, dryRun: false });
    const left = await sandbox.json<Page>(['list', '--json']);
    expect(left.executions.map((e) => e.executionId)).toEqual([fresh]);
    // Without --older-than: the retention period (30 days by default), which spares the fresh one.
    expect(JSON.parse(await sandbox.ok(['prune', '--json']))).toMatchObject({ executions: [] });
  });

  /** Runs a task and ages its record by `days`, as time would. */
  async function agedExecution(days: number): Promise<string> {
    const id = /execution (\S+)/.exec((await sandbox.run(['run', '--', 'echo', 'old'])).stderr)![1]!;
    const db = new DatabaseSync(join(sandbox.dataDir, 'taskport.db'));
    const then = Date.now() - days * 86400_000;
    db.prepare(
      `UPDATE executions SET created_ms = ?, record = json_set(record, '$.createdAt', ?) WHERE execution_id = ?`,
    ).run(then, new Date(then).toISOString(), id);
    db.close();
    return id;
  }

  /** Makes the last automatic prune an hour and more ago. */
  async function anHourPasses(): Promise<void> {
    const dir = join(sandbox.root, '.local', 'state', 'taskport');
    for (const name of await readdir(dir)) {
      if (name.startsWith('retention-')) await writeFile(join(dir, name), `${Date.now() - 3600_001}\n`);
    }
  }

  it('after a run, the default retention (30 days) removes older finished executions, at most once an hour', async () => {
    const old = await agedExecution(40);
    const recent = await agedExecution(20);
    // The runs above applied retention already: within the hour, nothing is pruned again.
    await sandbox.ok(['run', '--', 'true']);
    expect((await sandbox.run(['status', old])).code).toBe(0);
    await anHourPasses();
    await sandbox.ok(['run', '--', 'true']);
    expect((await sandbox.run(['status', old])).code).toBe(1);
    expect((await sandbox.run(['status', recent])).code).toBe(0);
    const shown = JSON.parse(await sandbox.ok(['config', 'show', '--json']));
    expect(shown.retention).toEqual({ period: '30d', seconds: 30 * 86400, source: 'default' });
  });

  it('retention: in taskport.yaml and TASKPORT_RETENTION choose the period; off keeps everything', async () => {
    const old = await agedExecution(40);
    const recent = await agedExecution(10);
    await writeFile(join(sandbox.root, 'taskport.yaml'), 'retention: off\n');
    await anHourPasses();
    await sandbox.ok(['run', '--', 'true']);
    expect((await sandbox.run(['status', old])).code).toBe(0);
    await anHourPasses();
    await sandbox.ok(['run', '--', 'true'], { env: { TASKPORT_RETENTION: '7d' } });
    expect((await sandbox.run(['status', old])).code).toBe(1);
    expect((await sandbox.run(['status', recent])).code).toBe(1);
    const prune = await sandbox.run(['prune']);
    expect(prune.code).toBe(2);
    expect(prune.stderr).toMatch(/retention is off \(taskport.yaml\)/);
    const bad = await sandbox.run(['list'], { env: { TASKPORT_RETENTION: '5m' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/TASKPORT_RETENTION "5m" is not a retention period; use e.g. 30d/);
  });
});

describe('run --name', () => {
  it('names an execution (label taskport.name), unique among unfinished ones', async () => {
    const first = (await sandbox.ok(['run', '--detach', '--name', 'nightly', '--', 'sleep', '30'])).trim();
    const status = JSON.parse(await sandbox.ok(['status', first, '--json']));
    expect(status.labels).toEqual({ 'taskport.name': 'nightly' });
    const clash = await sandbox.run(['run', '--detach', '--name', 'nightly', '--', 'true']);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toContain(`the name "nightly" is in use by ${first}`);
    const listed = await sandbox.json<Page>(['list', '--json', '--label', 'taskport.name=nightly']);
    expect(listed.executions.map((e) => e.executionId)).toEqual([first]);
    await sandbox.ok(['kill', '--wait', first]);
    const again = await sandbox.run(['run', '--name', 'nightly', '--', 'true']);
    expect(again.code).toBe(0);
    expect((await sandbox.run(['run', '--name', 'bad name', '--', 'true'])).code).toBe(2);
  });
});

describe('taskport aws setup', () => {
  it('says how to select the aws provider when the config names none, and is listed in help', async () => {
    const result = await sandbox.run(['aws', 'setup', '--dry-run']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no port of this deployment uses the aws provider');
    expect(await sandbox.ok(['aws', '--help'])).toContain('aws setup');
    expect(await sandbox.ok(['aws', 'setup', '--help'])).toContain('--dry-run');
  });
});

// Composes real providers through the config file and drives them through the Service: real processes,
// real SQLite files. Each test works in its own temporary directories.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigurationError, isFinalStatus, type LogEvent, TOKENS } from '@taskport/core';
import { LocalExecutionStore, LocalImageRegistry } from '@taskport/local';
import { afterEach, describe, expect, it } from 'vitest';
import { createTaskport, describeConfig, type Taskport } from '../src/index.js';

const opened: Taskport[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((tp) => tp.close()));
});

function tempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `taskport-${name}-`));
}

async function open(options: Parameters<typeof createTaskport>[0]): Promise<Taskport> {
  const tp = await createTaskport(options);
  opened.push(tp);
  return tp;
}

async function waitUntilFinal(tp: Taskport, executionId: string) {
  for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
    const execution = await tp.service.getExecutionStatus(executionId);
    if (isFinalStatus(execution.status)) return execution;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

describe('createTaskport with no config', () => {
  it('binds every port to local and runs a command end to end', async () => {
    const home = tempDir('home');
    const tp = await open({ env: { HOME: home, PATH: process.env.PATH }, cwd: home });
    expect(
      Object.values(tp.config.ports).every((p) => p.provider === 'local' && p.source === 'default'),
    ).toBe(true);
    expect(tp.config.providers.local?.options.dataDir).toBe(join(home, '.local', 'state', 'taskport'));

    await tp.service.registerImage({ image: 'alpine:3.20', registeredBy: 'ana@example.com' });
    const { execution } = await tp.service.runCommand('ana@example.com', {
      command: ['sh', '-c', 'echo "out $GREETING"; echo err >&2; exit 4'],
      env: { GREETING: 'hello' },
    });
    const events: LogEvent[] = [];
    for await (const event of tp.service.streamLogs(execution.executionId, { follow: true }))
      events.push(event);
    expect(events.map((e) => [e.stream, e.message])).toEqual([
      ['stdout', 'out hello'],
      ['stderr', 'err'],
    ]);
    const final = await waitUntilFinal(tp, execution.executionId);
    expect(final).toMatchObject({
      status: 'FAILED',
      exitCode: 4,
      imageId: expect.stringMatching(/^alpine:3\.20-/),
    });

    const trace = await tp.service.trace(execution.requestId);
    expect(trace.executions.map((e) => e.executionId)).toEqual([execution.executionId]);
    const lines = trace.logs.map((line) => JSON.parse(line.message) as { msg: string; request_id: string });
    expect(lines.map((line) => line.msg)).toEqual(
      expect.arrayContaining(['execution started', 'runCommand succeeded']),
    );
    expect(lines.every((line) => line.request_id === execution.requestId)).toBe(true);
  });

  it('resolves the same singleton Service and adapters from the container', async () => {
    const home = tempDir('home');
    const tp = await open({ env: { HOME: home }, cwd: home });
    expect(tp.container.get(TOKENS.OrchestratorService)).toBe(tp.service);
    expect(tp.service.taskExecutor()).toBe(tp.container.get(TOKENS.TaskExecutor));
  });
});

describe('a mix of differently configured provider instances', () => {
  it('keeps images, executions, task output and backend logs where the config says', async () => {
    const root = tempDir('mix');
    const [tasksDir, imagesDir, historyDir, auditDir] = ['tasks', 'images', 'history', 'audit'].map((d) =>
      join(root, d),
    );
    writeFileSync(
      join(root, 'taskport.yaml'),
      [
        'providers:',
        '  taskExecutor: local',
        '  logAggregator: local',
        `  imageRegistry: { provider: local, options: { dataDir: ${imagesDir} } }`,
        `  executionStore: { provider: local, options: { dataDir: ${historyDir} } }`,
        `  backendObservability: { provider: local, options: { dataDir: ${auditDir} } }`,
        'local:',
        `  dataDir: ${tasksDir}`,
        '  killGraceMs: 2000',
        '',
      ].join('\n'),
    );
    const tp = await open({ env: { HOME: root }, cwd: root });
    expect(tp.config.configFile).toBe(join(root, 'taskport.yaml'));

    const image = await tp.service.registerImage({
      image: 'busybox',
      registeredBy: 'ana@example.com',
      isDefault: true,
    });
    const { execution, requestId } = await tp.service.runCommand('ana@example.com', {
      command: 'echo mixed',
    });
    await waitUntilFinal(tp, execution.executionId);

    // The image lives only in the registry's own database ...
    expect((await new LocalImageRegistry({ dataDir: imagesDir }).listImages()).map((i) => i.imageId)).toEqual(
      [image.imageId],
    );
    expect(await new LocalImageRegistry({ dataDir: tasksDir }).listImages()).toEqual([]);
    // ... the record only in the store's ...
    expect((await new LocalExecutionStore({ dataDir: historyDir }).get(execution.executionId)).status).toBe(
      'SUCCEEDED',
    );
    await expect(new LocalExecutionStore({ dataDir: tasksDir }).get(execution.executionId)).rejects.toThrow();
    // ... the output with the executor's, and the Service's lines in the audit database.
    expect((await tp.service.getLogs(execution.executionId)).events.map((e) => e.message)).toEqual(['mixed']);
    const audit = (await tp.service.trace(requestId)).logs.map((line) => JSON.parse(line.message).msg);
    expect(audit).toContain('execution started');
  });
});

describe('configuration errors and lazy loading', () => {
  it('names an uninstalled provider package and how to add it', async () => {
    const home = tempDir('home');
    await expect(
      createTaskport({ env: { HOME: home, TASKPORT_TASK_EXECUTOR: '@acme/taskport-missing' }, cwd: home }),
    ).rejects.toSatisfy(
      (error) =>
        ConfigurationError.isInstance(error) &&
        /package @acme\/taskport-missing is not installed/.test(String(error)),
    );
  });

  it('rejects bad provider options naming the key', async () => {
    const home = tempDir('home');
    writeFileSync(join(home, 'taskport.json'), JSON.stringify({ local: { killGraceMs: -5 } }));
    await expect(createTaskport({ env: { HOME: home }, cwd: home })).rejects.toThrow(/local\.killGraceMs/);
  });

  it('reports where each value came from and redacts secret-looking options', async () => {
    const home = tempDir('home');
    writeFileSync(join(home, 'taskport.yaml'), 'local:\n  killGraceMs: 1500\n');
    const tp = await open({
      env: { HOME: home, TASKPORT_DATA_DIR: join(home, 'data') },
      cwd: home,
      overrides: { local: { pollIntervalMs: 25 } },
    });
    const sources = tp.config.providers.local!.sources;
    expect(sources.killGraceMs).toBe('file');
    expect(sources.pollIntervalMs).toBe('argument');
    expect(sources.maxPollIntervalMs).toBe('default');
    const shown = describeConfig({
      ...tp.config,
      providers: {
        x: { options: { apiToken: 'abc', region: 'r' }, sources: { apiToken: 'env', region: 'file' } },
      },
    });
    expect(shown.providers.x!.options).toEqual({ apiToken: '[redacted]', region: 'r' });
  });

  it('never loads a provider SDK that the config does not name', () => {
    // A fresh process, so nothing else has imported the AWS provider; a resolve hook records every module.
    const home = tempDir('home');
    const entry = new URL('../dist/index.js', import.meta.url).href;
    const script = `
      import { registerHooks } from 'node:module';
      const seen = [];
      registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.push(r.url); return r; } });
      const { createTaskport } = await import(${JSON.stringify(entry)});
      const tp = await createTaskport({ env: { HOME: ${JSON.stringify(home)} }, cwd: ${JSON.stringify(home)} });
      await tp.service.listExecutions();
      await tp.close();
      console.log(JSON.stringify({ local: seen.filter((u) => u.includes('/providers/local/')).length, cloud: seen.filter((u) => /@aws-sdk|@smithy|@taskport\\/aws|@google-cloud|@kubernetes/.test(u)) }));
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
    });
    const report = JSON.parse(output.trim().split('\n').at(-1)!) as { local: number; cloud: string[] };
    expect(report.local).toBeGreaterThan(0);
    expect(report.cloud).toEqual([]);
  });
});

// The deployment file through the schemas: names that are wrong get the nearest valid one, sections of
// providers no port uses are still validated (without loading the provider), and close() releases every
// handle and timer the adapters held.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigurationError } from '@taskport/core';
import { describe, expect, it } from 'vitest';
import { createTaskport } from '../src/index.js';

function home(): string {
  return mkdtempSync(join(tmpdir(), 'taskport-file-'));
}

async function configError(yaml: string): Promise<string> {
  const dir = home();
  writeFileSync(join(dir, 'taskport.yaml'), yaml);
  const error = await createTaskport({ env: { HOME: dir }, cwd: dir }).then(
    async (tp) => {
      await tp.close();
      throw new Error('expected a ConfigurationError');
    },
    (e: unknown) => e,
  );
  expect(ConfigurationError.isInstance(error), String(error)).toBe(true);
  return (error as Error).message;
}

describe('the deployment file', () => {
  it('suggests the nearest valid name for a mistyped top-level key, section, port or provider', async () => {
    expect(await configError('provider: { taskExecutor: local }\n')).toContain('unknown section "provider"');
    expect(await configError('provider: { taskExecutor: local }\n')).toContain('did you mean "providers"?');
    expect(await configError('lcoal: { killGraceMs: 10 }\n')).toContain('did you mean "local"?');
    expect(await configError('providers: { taskExecuter: local }\n')).toContain(
      'did you mean "taskExecutor"?',
    );
    expect(await configError('providers: { taskExecutor: lcoal }\n')).toContain('did you mean "local"?');
  });

  it('rejects an unknown option with the nearest valid one, naming the file', async () => {
    const message = await configError('local: { dataDri: /tmp/x }\n');
    expect(message).toMatch(/local\.dataDri in \/.*taskport\.yaml is not an option of the local provider/);
    expect(message).toContain('did you mean "dataDir"?');
  });

  it('validates the section of a provider no port uses, through its schema only', async () => {
    const message = await configError('aws: { region: eu-west-1, clustr: jobs }\n');
    expect(message).toContain('aws.clustr');
    expect(message).toContain('did you mean "cluster"?');
  });

  it('composes the memory provider by name, every port over one world', async () => {
    const dir = home();
    writeFileSync(
      join(dir, 'taskport.yaml'),
      'providers: { taskExecutor: memory, imageRegistry: memory, logAggregator: memory, backendObservability: memory, executionStore: memory }\nmemory: { world: file-test }\n',
    );
    const tp = await createTaskport({ env: { HOME: dir }, cwd: dir });
    const { execution } = await tp.service.runCommand('ana@example.com', { command: ['true'] });
    expect(execution.executor).toBe('memory');
    expect((await tp.service.listExecutions()).items.map((e) => e.executionId)).toEqual([
      execution.executionId,
    ]);
    await tp.close();
  });
});

/** Runs a script in a fresh Node process from the package directory; returns its last stdout line as JSON. */
function inFreshProcess(script: string): Record<string, unknown> {
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(output.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

describe('lifecycle and lazy loading', () => {
  it('close() releases every database handle and timer, so the process exits by itself', () => {
    const dir = home();
    const entry = new URL('../dist/index.js', import.meta.url).href;
    const local = new URL('../../providers/local/dist/index.js', import.meta.url).href;
    // The script never calls process.exit: it prints its report and must then end on its own. A handle or
    // timer left behind would keep it alive until execFileSync's timeout kills it (and the test fails).
    const report = inFreshProcess(`
      const { createTaskport } = await import(${JSON.stringify(entry)});
      const { openLocalDatabaseCount } = await import(${JSON.stringify(local)});
      const tp = await createTaskport({ env: { HOME: ${JSON.stringify(dir)}, PATH: process.env.PATH }, cwd: ${JSON.stringify(dir)} });
      const { execution } = await tp.service.runCommand('ana@example.com', { command: ['echo', 'hi'], timeoutSeconds: 30 });
      for await (const event of tp.service.streamLogs(execution.executionId, { follow: true })) {}
      await tp.service.trace(execution.requestId);
      const openBefore = openLocalDatabaseCount();
      await tp.close();
      await tp.close();
      const resources = process.getActiveResourcesInfo().filter((kind) => !/TTYWrap|PipeWrap/.test(kind));
      console.log(JSON.stringify({ openBefore, openAfter: openLocalDatabaseCount(), resources }));
    `);
    expect(report.openBefore).toBe(1);
    expect(report.openAfter).toBe(0);
    expect(report.resources).toEqual([]);
  });

  it('reads an aws: section through @taskport/aws/options without loading the AWS SDK', () => {
    const dir = home();
    writeFileSync(join(dir, 'taskport.yaml'), 'aws: { region: eu-west-1, cluster: jobs }\n');
    const entry = new URL('../dist/index.js', import.meta.url).href;
    const report = inFreshProcess(`
      import { registerHooks } from 'node:module';
      const seen = [];
      registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.push(r.url); return r; } });
      const { createTaskport } = await import(${JSON.stringify(entry)});
      const tp = await createTaskport({ env: { HOME: ${JSON.stringify(dir)} }, cwd: ${JSON.stringify(dir)} });
      await tp.close();
      console.log(JSON.stringify({
        schema: seen.filter((u) => u.endsWith('/aws-options.js')).length,
        sdk: seen.filter((u) => /@aws-sdk|@smithy|aws-provider\\.js/.test(u)),
      }));
    `);
    expect(report.schema).toBe(1);
    expect(report.sdk).toEqual([]);
  });
});

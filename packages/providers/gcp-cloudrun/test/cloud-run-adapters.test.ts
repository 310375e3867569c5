import { NotFoundError, newRequestId, type TaskStartRequest, ValidationError } from '@taskport/core';
import { describe, expect, it } from 'vitest';
import {
  CloudLoggingBackendLogger,
  CloudLoggingBackendObservability,
  CloudLoggingLogAggregator,
  CloudRunImageRegistry,
  CloudRunTaskExecutor,
  gcpClients,
  jobNameFor,
  requestIdHash,
} from '../src/index.js';
import { CloudRunDriver, control, fakeOptions, foreignImage, randomName } from './support/fake.js';

/* What the adapters send over the wire, asserted on what the fake received. */

const fake = control();
const driver = new CloudRunDriver();

function request(extra: Partial<TaskStartRequest> = {}): TaskStartRequest {
  return {
    command: ['printf', '%s\n', 'hi'],
    image: foreignImage(),
    env: {},
    secrets: {},
    labels: {},
    requestId: newRequestId(),
    ...extra,
  };
}

describe('CloudRunTaskExecutor on the wire', () => {
  it('a warm start of a registered image is exactly one RunJob, with args, env and timeout as overrides', async () => {
    const options = fakeOptions();
    const registry = new CloudRunImageRegistry(options);
    const image = await registry.registerImage({
      image: 'alpine:3.20',
      resources: { cpu: 1024, memory: 2048 },
      registeredBy: 'tests@taskport.test',
    });
    const executor = new CloudRunTaskExecutor(options);
    const before = (await fake.calls(undefined, options.project)).length;
    const { executionId } = await executor.startTask(
      'tests@taskport.test',
      request({ image, command: 'echo "$GREETING"; exit 0', env: { GREETING: 'hello' }, timeoutSeconds: 90 }),
    );
    const calls = (await fake.calls(undefined, options.project)).slice(before);
    expect(calls.map((c) => c.method)).toEqual(['RunJob']);
    const [run] = calls;
    expect(run!.routing).toContain(`location=${options.region}`);
    const sent = run!.request as {
      name: string;
      overrides: {
        containerOverrides: { name: string; args: string[]; env: { name: string; value: string }[] }[];
        timeout: { seconds: string };
      };
    };
    expect(sent.name).toBe(jobNameFor(image.imageId, options));
    const [override] = sent.overrides.containerOverrides;
    expect(override!.name).toBe('task');
    expect(override!.args).toEqual(['/bin/sh', '-c', 'echo "$GREETING"; exit 0']);
    expect(override!.env).toContainEqual(expect.objectContaining({ name: 'GREETING', value: 'hello' }));
    expect(Number(sent.overrides.timeout.seconds)).toBe(90);
    expect(executionId.startsWith(`${sent.name}/executions/`)).toBe(true);
    await Promise.all([executor.close(), registry.close()]);
  });

  it('a cold start of an image from another registry creates its job once, then runs it', async () => {
    const options = fakeOptions();
    const executor = new CloudRunTaskExecutor(options);
    await executor.startTask('tests@taskport.test', request());
    await executor.startTask('tests@taskport.test', request());
    const methods = (await fake.calls(undefined, options.project)).map((c) => c.method);
    expect(methods.filter((m) => m === 'CreateJob')).toHaveLength(1);
    expect(methods.filter((m) => m === 'RunJob')).toHaveLength(3); // NOT_FOUND, then two runs
    expect(methods).not.toContain('GetJob');
    await executor.close();
  });

  it('rejects what Cloud Run cannot run before any call', async () => {
    const options = fakeOptions();
    const executor = new CloudRunTaskExecutor(options);
    const cases: [string, Partial<TaskStartRequest>][] = [
      ['an arm64 image', { image: foreignImage({ runtime: { platform: 'linux/arm64' } }) }],
      ['0.25 vCPU', { image: foreignImage({ resources: { cpu: 256, memory: 512 } }) }],
      ['16 GiB on 1 vCPU', { image: foreignImage({ resources: { cpu: 1024, memory: 16_384 } }) }],
      [
        'a task role that is not a service account',
        { image: foreignImage({ permissions: { taskRole: 'arn:aws:iam::1:role/x' } }) },
      ],
      ['a reserved env name', { env: { CLOUD_RUN_JOB: 'x' } }],
      ['the marker env name', { env: { TASKPORT_START_ID: 'x' } }],
      ['a timeout over 7 days', { timeoutSeconds: 8 * 86_400 }],
    ];
    for (const [what, extra] of cases) {
      await expect(executor.startTask('tests@taskport.test', request(extra)), what).rejects.toSatisfy(
        (error: unknown) =>
          ValidationError.isInstance(error) &&
          /^\[gcp-cloudrun\] TaskExecutor\.startTask: /.test((error as Error).message),
      );
    }
    expect(await fake.calls(undefined, options.project)).toEqual([]);
    await executor.close();
  });

  it('an execution the platform no longer knows is NotFound for describe and kill', async () => {
    const options = fakeOptions();
    const executor = new CloudRunTaskExecutor(options);
    const { executionId } = await executor.startTask('tests@taskport.test', request());
    await fake.forget(executionId);
    await expect(executor.describeTask(executionId)).rejects.toSatisfy(NotFoundError.isInstance);
    await expect(executor.killTask(executionId)).rejects.toSatisfy(NotFoundError.isInstance);
    await executor.close();
  });

  it('passes the argv to the image ENTRYPOINT, as `docker run IMAGE ARGS` does', async () => {
    const options = fakeOptions();
    const image = foreignImage({ image: `ghcr.io/acme/${randomName('printer')}:1` });
    // An image whose ENTRYPOINT is `printf %s\n`: the run's args become its arguments.
    await fake.defineImage(image.reference, { entrypoint: ['printf', '%s\n'], cmd: ['default'] });
    const executor = new CloudRunTaskExecutor(options);
    const logs = new CloudLoggingLogAggregator(options);
    const argv = await executor.startTask(
      'tests@taskport.test',
      request({ image, command: ['a b', '$HOME'] }),
    );
    await driver.play(argv.executionId, { kind: 'printArgs', args: [] });
    expect(await fake.argv(argv.executionId)).toEqual(['printf', '%s\n', 'a b', '$HOME']);
    // A string command is `/bin/sh -c <command>`: on such an image the entrypoint receives those three words.
    const text = await executor.startTask('tests@taskport.test', request({ image, command: 'echo hi' }));
    await driver.play(text.executionId, { kind: 'printArgs', args: [] });
    expect(await fake.argv(text.executionId)).toEqual(['printf', '%s\n', '/bin/sh', '-c', 'echo hi']);
    await expect
      .poll(async () => (await logs.fetchLogsByExecutionId(argv.executionId)).map((e) => e.message))
      .toEqual(['a b', '$HOME']);
    await Promise.all([executor.close(), logs.close()]);
  });
});

describe('CloudRunImageRegistry on the wire', () => {
  it('validates Cloud Run cpu and memory sizes before any call', async () => {
    const options = fakeOptions();
    const registry = new CloudRunImageRegistry(options);
    for (const resources of [
      { cpu: 256, memory: 512 },
      { cpu: 3072, memory: 4096 },
      { cpu: 4096, memory: 1024 },
      { cpu: 8192, memory: 65_536 },
    ]) {
      await expect(
        registry.registerImage({ image: 'alpine:3.20', resources, registeredBy: 'tests@taskport.test' }),
        JSON.stringify(resources),
      ).rejects.toSatisfy(ValidationError.isInstance);
    }
    expect(await fake.calls(undefined, options.project)).toEqual([]);
    await registry.close();
  });

  it('concurrent setDefaultImage calls leave exactly one default, changed by etag-conditional updates', async () => {
    const options = fakeOptions();
    const registry = new CloudRunImageRegistry(options);
    const images = [];
    for (let n = 0; n < 8; n++) {
      images.push(
        await registry.registerImage({
          image: `ghcr.io/acme/app${n}:1`,
          resources: { cpu: 1024, memory: 2048 },
          registeredBy: 'tests@taskport.test',
        }),
      );
    }
    const updatesBefore = (await fake.calls('UpdateJob', options.project)).length;
    const results = await Promise.all(images.map((image) => registry.setDefaultImage(image.imageId)));
    expect(results.every((r) => r.isDefault)).toBe(true);
    const listed = await registry.listImages();
    const defaults = listed.filter((image) => image.isDefault);
    expect(defaults).toHaveLength(1);
    expect(images.map((i) => i.imageId)).toContain(defaults[0]!.imageId);
    expect((await registry.getDefaultImage())?.imageId).toBe(defaults[0]!.imageId);
    // Every update carried the etag it read; those that lost a race were refused (ABORTED) and read again.
    const updates = (await fake.calls('UpdateJob', options.project)).slice(updatesBefore);
    expect(updates.length).toBeGreaterThanOrEqual(images.length);
    for (const update of updates) expect((update.request as { job: { etag: string } }).job.etag).not.toBe('');
    await registry.close();
  });
});

describe('Cloud Logging filters', () => {
  it('task logs: the job execution, its stdout and stderr logs, explicit time bounds, ascending', async () => {
    const options = fakeOptions();
    const executor = new CloudRunTaskExecutor(options);
    const logs = new CloudLoggingLogAggregator(options);
    const { executionId } = await executor.startTask('tests@taskport.test', request());
    await driver.play(executionId, { kind: 'exit', exitCode: 0, stdout: ['hi'] });
    await expect
      .poll(async () => (await logs.fetchLogsByExecutionId(executionId)).map((e) => e.message))
      .toEqual(['hi']);
    const list = (await fake.calls('ListLogEntries', options.project)).pop()!;
    const sent = list.request as { filter: string; orderBy: string; resourceNames: string[] };
    const execution = executionId.split('/').pop()!;
    const job = executionId.split('/')[5]!;
    expect(sent.resourceNames).toEqual([`projects/${options.project}`]);
    expect(sent.orderBy).toBe('timestamp asc');
    expect(sent.filter).toContain('resource.type="cloud_run_job"');
    expect(sent.filter).toContain(`resource.labels.job_name="${job}"`);
    expect(sent.filter).toContain(`labels."run.googleapis.com/execution_name"="${execution}"`);
    expect(sent.filter).toContain(`logName="projects/${options.project}/logs/run.googleapis.com%2Fstdout"`);
    expect(sent.filter).toContain(`logName="projects/${options.project}/logs/run.googleapis.com%2Fstderr"`);
    expect(sent.filter).toMatch(
      /timestamp>="\d{4}-\d\d-\d\dT[\d:.]+Z" AND timestamp<="\d{4}-\d\d-\d\dT[\d:.]+Z"/,
    );
    // The job's system log ("Container called exit(0).") stays out.
    expect(
      (await logs.fetchLogsByExecutionId(executionId)).some((e) => e.message.includes('Container called')),
    ).toBe(false);
    await Promise.all([executor.close(), logs.close()]);
  });

  it('backend logs: the request id reaches the filter only as its sha256, and is then matched exactly', async () => {
    const options = fakeOptions();
    const logger = new CloudLoggingBackendLogger(options, undefined, { flushIntervalMs: 10 });
    const observability = new CloudLoggingBackendObservability(options);
    const requestId = `req-" OR labels.x:* OR "${randomName('x')}`;
    logger.log({ level: 'info', message: 'one line', requestId, fields: { operation: 'test' } });
    await logger.flush();
    await expect.poll(async () => (await observability.fetchBackendLogs(requestId)).length).toBe(1);
    const list = (await fake.calls('ListLogEntries', options.project)).pop()!;
    const { filter } = list.request as { filter: string };
    expect(filter).not.toContain(requestId);
    expect(filter).not.toContain('OR labels.x');
    expect(filter).toContain(`labels."taskport-request-sha256"="${requestIdHash(requestId)}"`);
    expect(filter).toContain(`logName="projects/${options.project}/logs/taskport-backend"`);
    const [event] = await observability.fetchBackendLogs(requestId);
    expect(JSON.parse(event!.message)).toMatchObject({
      request_id: requestId,
      msg: 'one line',
      operation: 'test',
    });
    const writes = await fake.calls('WriteLogEntries', options.project);
    expect(writes).toHaveLength(1);
    await Promise.all([logger.close(), observability.close()]);
  });

  it('the backend logger batches lines and flushes what is left on close', async () => {
    const options = fakeOptions();
    const logger = new CloudLoggingBackendLogger(options, undefined, {
      maxBatch: 50,
      flushIntervalMs: 60_000,
    });
    const requestId = newRequestId();
    for (let n = 0; n < 120; n++) logger.log({ level: 'info', message: `line ${n}`, requestId });
    await logger.close();
    const writes = await fake.calls('WriteLogEntries', options.project);
    expect(writes.map((w) => (w.request as { entries: unknown[] }).entries.length)).toEqual([50, 50, 20]);
    const observability = new CloudLoggingBackendObservability(options);
    await expect.poll(async () => (await observability.fetchBackendLogs(requestId)).length).toBe(120);
    await observability.close();
  });
});

describe('the fake speaks TailLogEntries to the real client', () => {
  it('streams entries written after the tail began', async () => {
    const options = fakeOptions();
    const clients = gcpClients(options);
    const logName = `projects/${options.project}/logs/tail-test`;
    const stream = clients.logging.tailLogEntries();
    const received: string[] = [];
    const got = new Promise<void>((resolve, reject) => {
      stream.on('data', (response: { entries?: { textPayload?: string }[] }) => {
        for (const entry of response.entries ?? []) received.push(entry.textPayload ?? '');
        if (received.length >= 2) resolve();
      });
      stream.on('error', reject);
    });
    stream.write({ resourceNames: [`projects/${options.project}`], filter: `logName="${logName}"` });
    await new Promise((r) => setTimeout(r, 150));
    await clients.logging.writeLogEntries({
      logName,
      resource: { type: 'global' },
      entries: [{ textPayload: 'one' }, { textPayload: 'two' }],
    });
    await got;
    expect(received).toEqual(['one', 'two']);
    stream.end();
    await clients.close();
  });
});

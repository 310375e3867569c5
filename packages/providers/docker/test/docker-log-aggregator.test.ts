import { waitFor } from '@taskport/contract-tests';
import { isFinalStatus, newRequestId, type TaskStartRequest } from '@taskport/core';
import { afterAll, describe, expect, it } from 'vitest';
import { testExecutor, testImage, testLogs } from './support/fixtures.js';

const executor = testExecutor();
const logs = testLogs();
afterAll(async () => {
  await executor.close();
  await logs.close();
});

async function run(command: TaskStartRequest['command']): Promise<string> {
  const { executionId } = await executor.startTask('tests@taskport.test', {
    command,
    image: testImage(),
    env: {},
    secrets: {},
    labels: {},
    requestId: newRequestId(),
  });
  await waitFor(
    () => executor.describeTask(executionId),
    (d) => isFinalStatus(d.status),
    { timeoutMs: 30_000, what: 'the task to end' },
  );
  return executionId;
}

describe('DockerLogAggregator against the real engine', () => {
  it('keeps output byte for byte: long lines, tabs, carriage returns, UTF-8, a last line without newline', async () => {
    const long = 'x'.repeat(40_000);
    const id = await run([
      'printf',
      '%s\\n%s\\n%s\\n%s',
      long,
      'tab\there\r',
      'ünïcødé ✓ 😀',
      'no newline at the end',
    ]);
    const events = await logs.fetchLogsByExecutionId(id);
    expect(events.map((event) => event.message)).toEqual([
      long,
      'tab\there\r',
      'ünïcødé ✓ 😀',
      'no newline at the end',
    ]);
    expect(events.every((event) => event.stream === 'stdout')).toBe(true);
  });

  it('tells stdout from stderr and keeps each stream in order', async () => {
    const id = await run(['sh', '-c', 'for i in 1 2 3 4 5; do echo "out $i"; echo "err $i" >&2; done']);
    const events = await logs.fetchLogsByExecutionId(id);
    const of = (stream: string) =>
      events.filter((event) => event.stream === stream).map((event) => event.message);
    expect(of('stdout')).toEqual(['out 1', 'out 2', 'out 3', 'out 4', 'out 5']);
    expect(of('stderr')).toEqual(['err 1', 'err 2', 'err 3', 'err 4', 'err 5']);
    for (let i = 1; i < events.length; i++)
      expect(events[i]!.timestamp).toBeGreaterThanOrEqual(events[i - 1]!.timestamp);
  });

  it('event ids are the same whether read in full or resumed with since', async () => {
    const id = await run(['sh', '-c', 'for i in 1 2 3 4 5 6; do echo "line $i"; sleep 0.1; done']);
    const all = await logs.fetchLogsByExecutionId(id);
    const cut = all[3]!.timestamp;
    const resumed = [];
    for await (const event of logs.streamLogs(id, { since: cut })) resumed.push(event);
    expect(resumed).toEqual(all.filter((event) => event.timestamp >= cut));
  });

  it('logs of a removed container are [] (retention ends with the container)', async () => {
    const id = await run(['echo', 'soon gone']);
    expect((await logs.fetchLogsByExecutionId(id)).map((event) => event.message)).toEqual(['soon gone']);
    await executor.engine.request('DELETE', `/containers/${id}`, { query: { force: 1 } });
    expect(await logs.fetchLogsByExecutionId(id)).toEqual([]);
  });
});

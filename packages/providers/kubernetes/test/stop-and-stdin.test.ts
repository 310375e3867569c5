import { waitFor } from '@taskport/contract-tests';
import {
  ConflictError,
  NotFoundError,
  newRequestId,
  type TaskDescription,
  type TaskStartRequest,
  ValidationError,
} from '@taskport/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ANNOTATIONS,
  KUBELET_MINIMUM_GRACE_SECONDS,
  KubernetesLogAggregator,
  KubernetesTaskExecutor,
  LABELS,
} from '../src/index.js';
import {
  busyboxImage,
  countingClients,
  createNamespace,
  randomName,
  testOptions,
} from './support/cluster.js';

/*
 * What the contract cannot see on this platform, on the real kubelet: a chosen grace longer than the
 * pod's own reaches the kubelet (the contract's 2 s equals the kubelet's minimum, which the default
 * 1 s grace of the test options also gets), the kubelet's 2 s minimum itself (why shorter ones are
 * refused), that a second kill keeps the first one's grace (the kubelet does not shorten a stop under
 * way: checked by hand, a pod deleted with 60 s then 3 s ran the 60 s), and attachStdin's refusals.
 */

let space: Awaited<ReturnType<typeof createNamespace>>;
beforeAll(async () => {
  space = await createNamespace('tp-stop', { serviceAccount: true });
});
afterAll(async () => {
  await space?.remove();
});

const TIMEOUT = 45_000;
/** Prints `ready`, then on SIGTERM prints `got-SIGTERM` and keeps running (as the contract's handleSignals). */
// After SIGTERM it prints a tick every 0.1 s until SIGKILL ends it: the span from `got-SIGTERM` to the last
// tick, in the log's own timestamps (the kubelet's, sub-millisecond), is how long the task lived after
// SIGTERM. A container's finishedAt would not do: Kubernetes reports it in whole seconds.
const HANDLES_TERM = `trap 'echo got-SIGTERM; while :; do echo tick; sleep 0.1; done' TERM; echo ready; while :; do sleep 0.1; done`;

function setup() {
  const options = testOptions(space.namespace);
  const { clients, calls } = countingClients();
  const executor = new KubernetesTaskExecutor(options, clients);
  const logs = new KubernetesLogAggregator(options, clients);
  const start = async (command: string, extra: Partial<TaskStartRequest> = {}) =>
    (
      await executor.startTask('stop@taskport.test', {
        command,
        image: busyboxImage(),
        env: {},
        secrets: {},
        labels: {},
        requestId: newRequestId(),
        ...extra,
      })
    ).executionId;
  const lines = async (id: string) => (await logs.fetchLogsByExecutionId(id)).map((e) => e.message);
  /**
   * Follows a task's log from now on and, once `stop` is called (after the task ended), says how many ms
   * passed from its `got-SIGTERM` line to its last `tick` line. Read while it runs: a killed task's pod
   * is deleted, and its log with it.
   */
  const followSigterm = (id: string) => {
    const events: { message: string; timestamp: number }[] = [];
    const controller = new AbortController();
    const reading = (async () => {
      for await (const event of logs.streamLogs(id, { follow: true, signal: controller.signal })) {
        events.push(event);
      }
    })().catch(() => {});
    return {
      async livedAfterSigterm(): Promise<number> {
        // Lines reach a follower within milliseconds; give the last ones a moment after the end.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        controller.abort();
        await reading;
        const term = events.find((e) => e.message === 'got-SIGTERM');
        const ticks = events.filter((e) => e.message === 'tick');
        if (!term || ticks.length === 0) throw new Error(`no got-SIGTERM and ticks from ${id}`);
        return ticks[ticks.length - 1]!.timestamp - term.timestamp;
      },
    };
  };
  const waitForLine = (id: string, line: string) =>
    waitFor(
      () => lines(id),
      (found) => found.includes(line),
      { timeoutMs: TIMEOUT, what: `"${line}" from ${id}` },
    );
  const waitForFinal = (id: string) =>
    waitFor(
      () => executor.describeTask(id),
      (d: TaskDescription) => ['SUCCEEDED', 'FAILED', 'STOPPED'].includes(d.status),
      { timeoutMs: TIMEOUT, what: `task ${id} to finish` },
    );
  return { executor, calls, start, lines, followSigterm, waitForLine, waitForFinal };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('kubernetes kill with a chosen grace period (real kubelet)', () => {
  it('refuses a grace below the kubelet minimum before any API call, and does not kill', async () => {
    const { executor, calls, start } = setup();
    const id = await start('sleep 30');
    for (const grace of [0, 1]) {
      const before = calls();
      const error = await rejection(executor.killTask(id, { gracePeriodSeconds: grace }));
      expect(ValidationError.isInstance(error), String(error)).toBe(true);
      expect((error as ValidationError).details).toMatchObject({
        field: 'gracePeriodSeconds',
        minimum: KUBELET_MINIMUM_GRACE_SECONDS,
      });
      expect((error as Error).message).toMatch(/at least 2 s.*drop it/);
      expect(calls() - before, `API calls for grace ${grace}`).toBe(0);
    }
    expect((await executor.describeTask(id)).status).not.toMatch(/TERMINATING|STOPPED/);
    await executor.killTask(id);
  });

  it('gives a task longer than the pod grace when asked: SIGTERM, then SIGKILL after the chosen seconds', async () => {
    const { executor, start, followSigterm, waitForLine, waitForFinal } = setup();
    const grace = 6; // the pod's own is 1 s (2 s at the kubelet): 6 s can only come from the kill
    const id = await start(HANDLES_TERM);
    await waitForLine(id, 'ready');
    const followed = followSigterm(id);
    await executor.killTask(id, { gracePeriodSeconds: grace });
    await waitForLine(id, 'got-SIGTERM');
    const final = await waitForFinal(id);
    expect(final).toMatchObject({ status: 'STOPPED', stopCode: 'USER_INITIATED' });
    // Ticks are 0.1 s apart, so the last one comes up to that (and a scheduling delay) before SIGKILL.
    const lived = await followed.livedAfterSigterm();
    expect(lived, 'ms from SIGTERM to the last tick').toBeGreaterThanOrEqual(grace * 1000 - 400);
    expect(lived, 'ms from SIGTERM to the last tick').toBeLessThanOrEqual(grace * 1000 + 1000);
  });

  it('keeps the grace of a kill under way when a second kill asks for another', async () => {
    const { executor, calls, start, waitForLine } = setup();
    const id = await start(HANDLES_TERM);
    await waitForLine(id, 'ready');
    await executor.killTask(id, { gracePeriodSeconds: 20 });
    await waitForLine(id, 'got-SIGTERM');
    const before = calls();
    await executor.killTask(id, { gracePeriodSeconds: 3 });
    // Only the read of the Job and its pods: no pod deleted again, no patch.
    expect(calls() - before).toBe(2);
    const job = await space.clients.batch.readNamespacedJob({ name: id, namespace: space.namespace });
    expect(job.metadata?.annotations?.[ANNOTATIONS.stopGracePeriodSeconds]).toBe('20');
    const pods = await space.clients.core.listNamespacedPod({
      namespace: space.namespace,
      labelSelector: `${LABELS.jobName}=${id}`,
    });
    expect(pods.items.map((pod) => pod.metadata?.deletionGracePeriodSeconds)).toEqual([20]);
  });

  it('platform fact behind the minimum: a pod deleted with a 1 s grace still gets SIGTERM and 2 s', async () => {
    const { start, waitForLine, waitForFinal, lines, followSigterm } = setup();
    const id = await start(HANDLES_TERM);
    await waitForLine(id, 'ready');
    const followed = followSigterm(id);
    const pods = await space.clients.core.listNamespacedPod({
      namespace: space.namespace,
      labelSelector: `${LABELS.jobName}=${id}`,
    });
    await space.clients.core.deleteNamespacedPod({
      name: pods.items[0]!.metadata!.name!,
      namespace: space.namespace,
      gracePeriodSeconds: 1,
    });
    await waitForLine(id, 'got-SIGTERM');
    expect(await lines(id)).toContain('got-SIGTERM');
    await waitForFinal(id);
    // More than the 1 s asked for: the kubelet's minimum.
    expect(await followed.livedAfterSigterm(), 'ms from SIGTERM to the last tick').toBeGreaterThanOrEqual(
      KUBELET_MINIMUM_GRACE_SECONDS * 1000 - 400,
    );
  });
});

describe('kubernetes attachStdin refusals (real kubelet)', () => {
  async function* text(value: string) {
    yield new TextEncoder().encode(value);
  }

  it('is NotFound for an unknown task or a Job taskport did not start', async () => {
    const { executor } = setup();
    const unknown = await rejection(executor.attachStdin(randomName('taskport-none'), text('x')));
    expect(NotFoundError.isInstance(unknown), String(unknown)).toBe(true);
    const invalid = await rejection(executor.attachStdin('Not An Id', text('x')));
    expect(NotFoundError.isInstance(invalid), String(invalid)).toBe(true);
  });

  it('is a Conflict for a task that is not interactive, and for a second attach', async () => {
    const { executor, start, waitForLine, waitForFinal, lines } = setup();
    const plain = await start('sleep 30');
    const notInteractive = await rejection(executor.attachStdin(plain, text('x')));
    expect(ConflictError.isInstance(notInteractive), String(notInteractive)).toBe(true);
    expect((notInteractive as Error).message).toMatch(/not started interactive/);
    await executor.killTask(plain);

    const id = await start('echo ready; cat; echo done', { interactive: true });
    await waitForLine(id, 'ready');
    await executor.attachStdin(id, text('first\n'));
    const second = await rejection(executor.attachStdin(id, text('second\n')));
    expect(ConflictError.isInstance(second), String(second)).toBe(true);
    expect((second as Error).message).toMatch(/already had its input/);
    expect((await waitForFinal(id)).status).toBe('SUCCEEDED');
    expect(await lines(id)).toEqual(['ready', 'first', 'done']);
  });

  it('is a Conflict for a task that has finished, with no attach made', async () => {
    const { executor, start, waitForFinal } = setup();
    const id = await start('true', { interactive: true });
    // stdin is open but never read: the task ends by itself.
    expect((await waitForFinal(id)).status).toBe('SUCCEEDED');
    const error = await rejection(executor.attachStdin(id, text('late\n')));
    expect(ConflictError.isInstance(error), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/has already finished/);
  });
});

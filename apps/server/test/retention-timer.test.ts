// The timer's own logic (when it prunes, what it skips), with a small fake of the two Service calls it
// makes; the pruning itself runs against real stores in the CLI's retention tests.
import { describe, expect, it } from 'vitest';
import { startRetentionTimer } from '../src/retention-timer.js';

function fakeService(canDelete: boolean) {
  const calls: number[] = [];
  return {
    calls,
    service: {
      executionStore: () => ({ provider: 'fake', ...(canDelete ? { delete: async () => {} } : {}) }) as never,
      pruneExecutions: async ({ before }: { before: number }) => {
        calls.push(before);
        return { before: new Date(before).toISOString(), executions: [], backendLines: 0 };
      },
    },
  };
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the server retention timer', () => {
  it('prunes soon after start and then every period, with the cut-off of the retention', async () => {
    const { calls, service } = fakeService(true);
    const stop = startRetentionTimer(
      service,
      { seconds: 7 * 86400, source: 'file' },
      { everyMs: 40, firstAfterMs: 5 },
    );
    await tick(130);
    stop();
    const seen = calls.length;
    expect(seen).toBeGreaterThanOrEqual(2);
    for (const before of calls) {
      expect(Date.now() - before).toBeGreaterThanOrEqual(7 * 86400_000);
      expect(Date.now() - before).toBeLessThan(7 * 86400_000 + 5_000);
    }
    await tick(100);
    expect(calls.length, 'stopped timers prune no more').toBe(seen);
  });

  it('does nothing when retention is off, or when a default period meets a store that cannot delete', async () => {
    for (const [retention, canDelete] of [
      [{ seconds: null, source: 'file' }, true],
      [{ seconds: 86400, source: 'default' }, false],
    ] as const) {
      const { calls, service } = fakeService(canDelete);
      const stop = startRetentionTimer(service, retention, { everyMs: 10, firstAfterMs: 1 });
      await tick(50);
      stop();
      expect(calls).toEqual([]);
    }
  });
});

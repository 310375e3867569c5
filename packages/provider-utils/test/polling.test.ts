import { TaskportError } from '@taskport/core';
import { describe, expect, it } from 'vitest';
import { collectAll, paginate, pollUntil, RateLimiter } from '../src/index.js';

describe('pollUntil', () => {
  it('returns the first defined value', async () => {
    let reads = 0;
    const value = await pollUntil(async () => (++reads === 3 ? 'done' : undefined), {
      deadline: Date.now() + 5000,
      initialDelayMs: 1,
    });
    expect(value).toBe('done');
    expect(reads).toBe(3);
  });

  it('gives up at the deadline with a retryable UnavailableError naming what it waited for', async () => {
    const started = Date.now();
    const error = await pollUntil(async () => undefined, {
      deadline: started + 120,
      initialDelayMs: 10,
      what: 'execution e-1 to finish',
    }).catch((e: unknown) => e);
    expect(TaskportError.hasCode(error, 'UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain('execution e-1 to finish');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop')), 20);
    await expect(
      pollUntil(async () => undefined, { deadline: Date.now() + 60_000, signal: controller.signal }),
    ).rejects.toThrow('stop');
  });
});

describe('paginate', () => {
  const pages: Record<string, { items: number[]; next?: string }> = {
    start: { items: [1, 2], next: 'b' },
    b: { items: [], next: 'c' },
    c: { items: [3], next: 'c' },
  };

  it('reads every page, continues past an empty page and ends on a repeated token', async () => {
    const tokens: (string | undefined)[] = [];
    const items = await collectAll<number, string>(async (token) => {
      tokens.push(token);
      return pages[token ?? 'start']!;
    });
    expect(items).toEqual([1, 2, 3]);
    expect(tokens).toEqual([undefined, 'b', 'c']);
  });

  it('reads pages lazily', async () => {
    let fetched = 0;
    for await (const item of paginate<number, string>(async (token) => {
      fetched++;
      return pages[token ?? 'start']!;
    })) {
      expect(item).toBe(1);
      break;
    }
    expect(fetched).toBe(1);
  });
});

describe('RateLimiter', () => {
  it('lets a burst through, then spaces calls at the rate', async () => {
    let clock = 0;
    const limiter = new RateLimiter(10, { burst: 2, now: () => clock });
    await limiter.acquire();
    await limiter.acquire();
    const third = limiter.acquire();
    let done = false;
    void third.then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(done).toBe(false);
    clock += 100; // one token refills in 100 ms at 10/s
    await third;
    expect(done).toBe(true);
  });

  it('does not block callers queued behind one that aborted', async () => {
    let clock = 0;
    const limiter = new RateLimiter(1, { burst: 1, now: () => clock });
    await limiter.acquire();
    const controller = new AbortController();
    const aborted = limiter.acquire(controller.signal);
    const next = limiter.acquire();
    controller.abort(new Error('gone'));
    await expect(aborted).rejects.toThrow('gone');
    clock += 1000;
    await expect(next).resolves.toBeUndefined();
  });
});

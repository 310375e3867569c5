import { UnavailableError, ValidationError } from '@taskport/core';
import { describe, expect, it } from 'vitest';
import { type ErrorClass, withRetry } from '../src/index.js';

const classifyBy = (errorClass: ErrorClass) => () => errorClass;

describe('withRetry', () => {
  it('retries transient failures until the call succeeds', async () => {
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw new Error('503');
        return 'ok';
      },
      { classify: classifyBy('transient'), random: () => 0 },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('throws a permanent error at once', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Error('bad request');
        },
        { classify: classifyBy('permanent') },
      ),
    ).rejects.toThrow('bad request');
    expect(calls).toBe(1);
  });

  it('reads a TaskportError by its retryable flag before the classifier', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new ValidationError('cpu is wrong');
        },
        { classify: classifyBy('transient') },
      ),
    ).rejects.toThrow('cpu is wrong');
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new UnavailableError('busy');
        },
        { classify: classifyBy('permanent'), policy: { maxAttempts: 3 }, random: () => 0 },
      ),
    ).rejects.toThrow('busy');
    expect(calls).toBe(3);
  });

  it('draws each delay below a doubling ceiling (full jitter), with a larger base for throttles', async () => {
    const delays: { delayMs: number; errorClass: ErrorClass }[] = [];
    let calls = 0;
    await withRetry(
      async () => {
        calls++;
        if (calls <= 4) throw new Error(calls % 2 ? 'throttled' : '500');
        return 'ok';
      },
      {
        classify: (error) => ((error as Error).message === 'throttled' ? 'throttle' : 'transient'),
        policy: { baseDelayMs: 10, throttleBaseDelayMs: 40, maxDelayMs: 1000 },
        random: () => 0.5,
        onRetry: ({ delayMs, errorClass }) => delays.push({ delayMs, errorClass }),
      },
    );
    // attempt 1 throttle: 0.5 * 40; attempt 2 transient: 0.5 * 20; attempt 3 throttle: 0.5 * 160; attempt 4: 0.5 * 80
    expect(delays).toEqual([
      { delayMs: 20, errorClass: 'throttle' },
      { delayMs: 10, errorClass: 'transient' },
      { delayMs: 80, errorClass: 'throttle' },
      { delayMs: 40, errorClass: 'transient' },
    ]);
  });

  it('stops when the next backoff would end past the time budget', async () => {
    let clock = 0;
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          clock += 400; // each attempt takes 400 ms of the 1 s budget
          throw new Error('timeout');
        },
        {
          classify: classifyBy('transient'),
          policy: { budgetMs: 1000, baseDelayMs: 100, maxAttempts: 100 },
          random: () => 0.99,
          now: () => clock,
        },
      ),
    ).rejects.toThrow('timeout');
    // The fake clock moves only inside attempts: 400 + 99 <= 1000 -> retry; 800 + 198 <= 1000 -> retry;
    // 1200 + 396 > 1000 -> the third failure is reported without sleeping.
    expect(calls).toBe(3);
  });

  it('rejects with the abort reason during a backoff without another attempt', async () => {
    const controller = new AbortController();
    let calls = 0;
    const run = withRetry(
      async () => {
        calls++;
        setTimeout(() => controller.abort(new Error('user cancelled')), 5);
        throw new Error('503');
      },
      {
        classify: classifyBy('transient'),
        policy: { baseDelayMs: 10_000 },
        random: () => 0.99,
        signal: controller.signal,
      },
    );
    await expect(run).rejects.toThrow('user cancelled');
    expect(calls).toBe(1);
  });

  it('makes no call when the signal is already aborted', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          return 1;
        },
        { classify: classifyBy('transient'), signal: AbortSignal.abort(new Error('aborted')) },
      ),
    ).rejects.toThrow('aborted');
    expect(calls).toBe(0);
  });
});

import { sleep } from './sleep.js';

/**
 * A token bucket: at most `perSecond` calls per second on average, in bursts of up to `burst`. Share one
 * instance between every caller that spends the same quota (e.g. all log readers of one account), so that
 * many followers together stay under the provider's limit instead of each hammering it.
 * Callers are served in order; one that aborts does not block the ones behind it.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();
  private readonly burst: number;

  constructor(
    private readonly perSecond: number,
    options: { burst?: number; now?: () => number } = {},
  ) {
    if (!(perSecond > 0)) throw new RangeError(`RateLimiter needs a positive rate, got ${perSecond}`);
    this.burst = options.burst ?? perSecond;
    this.now = options.now ?? Date.now;
    this.tokens = this.burst;
    this.last = this.now();
  }

  private readonly now: () => number;

  /** Resolves when the caller may make one call. */
  acquire(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.take(signal));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - this.tokens) / this.perSecond) * 1000), signal);
    }
  }
}

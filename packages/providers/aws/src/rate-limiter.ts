import { sleep } from './aws-errors.js';

/**
 * A token bucket: at most `perSecond` calls per second on average, bursts up to `perSecond`. Shared by every
 * reader built from one options object, so many followers of many streams stay under the account's quota
 * together instead of each hammering it (CloudWatch GetLogEvents allows 25 calls per second per account).
 */
export class RateLimiter {
  private tokens: number;
  private last = Date.now();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly perSecond: number) {
    this.tokens = perSecond;
  }

  /** Resolves when the caller may make one call. */
  acquire(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.take(signal));
    // A caller that aborts must not block the ones queued behind it.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) / 1000) * this.perSecond);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - this.tokens) / this.perSecond) * 1000), signal);
    }
  }
}

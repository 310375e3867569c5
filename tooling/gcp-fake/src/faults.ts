import * as grpc from '@grpc/grpc-js';

/**
 * When a fault strikes: `before` the method runs (the request provably did nothing: throttling, a
 * refused connection) or `after` it ran (the work is done but the answer is lost: UNAVAILABLE,
 * DEADLINE_EXCEEDED on a dropped response).
 */
export type FaultPoint = 'before' | 'after';

export interface Fault {
  at: FaultPoint;
  code: grpc.status;
  message?: string;
}

export interface FaultRates {
  /** Share of calls answered with `beforeCode` without running (default RESOURCE_EXHAUSTED). */
  before?: number;
  beforeCode?: grpc.status;
  /** Share of calls that run and then answer `afterCode` (default UNAVAILABLE). */
  after?: number;
  afterCode?: grpc.status;
  random?: () => number;
}

/** Fault injection per method name (`RunJob`, `ListLogEntries`, ...): queued one-offs first, then rates. */
export class FaultInjector {
  private readonly queued = new Map<string, Fault[]>();
  private readonly rates = new Map<string, FaultRates>();
  readonly injected: { method: string; at: FaultPoint; code: grpc.status }[] = [];

  /** The next call(s) of `method` fail as `fault` says, once each. */
  push(method: string, ...faults: Fault[]): void {
    this.queued.set(method, [...(this.queued.get(method) ?? []), ...faults]);
  }

  /** Every call of `method` fails with these probabilities until `clear`. */
  setRates(method: string, rates: FaultRates): void {
    this.rates.set(method, rates);
  }

  clear(): void {
    this.queued.clear();
    this.rates.clear();
  }

  /** Decides, once per call, whether and where it fails. */
  decide(method: string): Fault | undefined {
    const queue = this.queued.get(method);
    let fault = queue?.shift();
    if (!fault) {
      const rates = this.rates.get(method);
      if (rates) {
        const roll = (rates.random ?? Math.random)();
        if (roll < (rates.before ?? 0))
          fault = { at: 'before', code: rates.beforeCode ?? grpc.status.RESOURCE_EXHAUSTED };
        else if (roll < (rates.before ?? 0) + (rates.after ?? 0)) {
          fault = { at: 'after', code: rates.afterCode ?? grpc.status.UNAVAILABLE };
        }
      }
    }
    if (fault) this.injected.push({ method, at: fault.at, code: fault.code });
    return fault;
  }
}

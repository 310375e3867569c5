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

/**
 * Fault injection per method name (`RunJob`, `ListLogEntries`, ...), optionally only for the calls about
 * one project (so concurrent test files do not disturb each other): queued one-offs first, then rates.
 */
export class FaultInjector {
  private readonly queued = new Map<string, Fault[]>();
  private readonly rates = new Map<string, FaultRates>();
  readonly injected: { method: string; project: string | undefined; at: FaultPoint; code: grpc.status }[] =
    [];

  /** The next call(s) of `method` (about `project`, when given) fail as `faults` say, once each. */
  push(method: string, faults: Fault[], project?: string): void {
    const key = scoped(method, project);
    this.queued.set(key, [...(this.queued.get(key) ?? []), ...faults]);
  }

  /** Every call of `method` (about `project`, when given) fails with these probabilities until `clear`. */
  setRates(method: string, rates: FaultRates, project?: string): void {
    this.rates.set(scoped(method, project), rates);
  }

  clear(): void {
    this.queued.clear();
    this.rates.clear();
  }

  /** Decides, once per call, whether and where it fails. */
  decide(method: string, project: string | undefined): Fault | undefined {
    const keys = project ? [scoped(method, project), method] : [method];
    let fault: Fault | undefined;
    for (const key of keys) fault ??= this.queued.get(key)?.shift();
    if (!fault) {
      const rates = keys.map((key) => this.rates.get(key)).find(Boolean);
      if (rates) {
        const roll = (rates.random ?? Math.random)();
        if (roll < (rates.before ?? 0))
          fault = { at: 'before', code: rates.beforeCode ?? grpc.status.RESOURCE_EXHAUSTED };
        else if (roll < (rates.before ?? 0) + (rates.after ?? 0)) {
          fault = { at: 'after', code: rates.afterCode ?? grpc.status.UNAVAILABLE };
        }
      }
    }
    if (fault) this.injected.push({ method, project, at: fault.at, code: fault.code });
    return fault;
  }
}

function scoped(method: string, project: string | undefined): string {
  return project ? `${method}@${project}` : method;
}

/** The project a request is about, from its resource names. */
export function projectOf(request: unknown): string | undefined {
  const r = request as {
    name?: string;
    parent?: string;
    job?: { name?: string };
    logName?: string;
    resourceNames?: string[];
    entries?: { logName?: string }[];
  } | null;
  const name =
    r?.name || r?.parent || r?.job?.name || r?.logName || r?.resourceNames?.[0] || r?.entries?.[0]?.logName;
  return /^projects\/([^/]+)/.exec(name ?? '')?.[1];
}

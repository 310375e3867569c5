import type { Duration, Timestamp } from './cloud-run-types.js';

export function timestamp(ms = Date.now()): Timestamp {
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

/** A timestamp with nanosecond precision (log entries written within one millisecond stay ordered). */
export function preciseTimestamp(ns: bigint): Timestamp {
  return { seconds: String(ns / 1_000_000_000n), nanos: Number(ns % 1_000_000_000n) };
}

export function timestampNs(value: { seconds?: string | number; nanos?: number } | undefined): bigint {
  if (!value) return 0n;
  return BigInt(value.seconds ?? 0) * 1_000_000_000n + BigInt(value.nanos ?? 0);
}

export function durationSeconds(value: Duration | undefined): number | undefined {
  if (!value) return undefined;
  return Number(value.seconds ?? 0) + (value.nanos ?? 0) / 1e9;
}

/**
 * A new local execution id: `loc-` + 10 chars of base36 milliseconds + 12 hex of randomness. Time first,
 * so ids sort in start order; 48 random bits, so processes starting tasks in the same millisecond do
 * not collide (and the primary key would reject the rare collision rather than merge two tasks). The
 * bits come from Math.random (seeded per process by V8 from the OS): an id names a task and guards
 * nothing, and node:crypto would add ~25 ms to every `run` (see core's platform/node-crypto.ts).
 */
export function newExecutionId(now: number = Date.now()): string {
  const random = Math.floor(Math.random() * 2 ** 48)
    .toString(16)
    .padStart(12, '0');
  return `loc-${now.toString(36).padStart(10, '0')}${random}`;
}

import { randomBytes } from 'node:crypto';

/**
 * A new local execution id: `loc-` + 10 chars of base36 milliseconds + 12 hex of randomness. Time first,
 * so ids sort in start order; 48 random bits, so processes starting tasks in the same millisecond do
 * not collide (and the primary key would reject the rare collision rather than merge two tasks).
 */
export function newExecutionId(now: number = Date.now()): string {
  return `loc-${now.toString(36).padStart(10, '0')}${randomBytes(6).toString('hex')}`;
}

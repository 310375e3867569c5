import { randomBytes } from 'node:crypto';

/**
 * A new request id: `req-` + 12 chars of base36 time + 10 hex of randomness. Time first, so ids of one
 * session sort in order; random enough that concurrent processes never collide.
 */
export function newRequestId(now: number = Date.now()): string {
  return `req-${now.toString(36).padStart(10, '0')}${randomBytes(5).toString('hex')}`;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function isValidRequestId(value: string): boolean {
  return REQUEST_ID.test(value);
}

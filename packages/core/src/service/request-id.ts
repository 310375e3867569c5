/**
 * A new request id: `req-` + 12 chars of base36 time + 10 hex of randomness. Time first, so ids of one
 * session sort in order; random enough that concurrent processes never collide. The randomness is
 * Math.random (V8 seeds it per process from the OS): a request id names a request, it guards nothing,
 * and node:crypto would cost every command ~25 ms of start-up for 40 bits (see platform/node-crypto.ts).
 */
export function newRequestId(now: number = Date.now()): string {
  const random = Math.floor(Math.random() * 2 ** 40)
    .toString(16)
    .padStart(10, '0');
  return `req-${now.toString(36).padStart(10, '0')}${random}`;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function isValidRequestId(value: string): boolean {
  return REQUEST_ID.test(value);
}

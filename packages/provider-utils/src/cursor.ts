import { ValidationError } from '@taskport/core';

/**
 * An opaque pagination cursor: the position (e.g. the keyset of the last item of a page) as base64url
 * JSON. Callers pass it back unchanged; nothing about its content is promised to them.
 */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/**
 * Reads a cursor made by `encodeCursor`.
 * @throws ValidationError ("pass a nextCursor back unchanged") when it is not one, or `isPosition` rejects it
 */
export function decodeCursor<Position>(
  value: unknown,
  isPosition: (candidate: unknown) => candidate is Position,
  at: { provider?: string; operation?: string } = {},
): Position {
  let parsed: unknown;
  try {
    parsed =
      typeof value === 'string' && value !== ''
        ? JSON.parse(Buffer.from(value, 'base64url').toString('utf8'))
        : undefined;
  } catch {
    parsed = undefined;
  }
  if (!isPosition(parsed)) {
    throw new ValidationError('cursor is not one this store returned; pass a nextCursor back unchanged', {
      ...at,
      details: { field: 'cursor' },
    });
  }
  return parsed;
}

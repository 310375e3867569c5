import { ForbiddenError, UnauthorizedError } from '@taskport/core';
import type { FastifyRequest } from 'fastify';
import { RateLimitedError } from '../http/http-error.js';
import type { KeyRateLimiter } from '../http/key-rate-limiter.js';
import { hashSecret, parseApiKey, secretMatches } from './api-key.js';
import { scopeOf } from './roles.js';
import type { UserStore } from './user-store.js';

// Compared against when the key id is unknown, so unknown and wrong keys take the same time.
const DUMMY_HASH = hashSecret('taskport-no-such-key');

/** The key of a request: `Authorization: Bearer <key>`, `X-API-Key: <key>`, or a WebSocket subprotocol. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header.trim() !== '') return header.trim();
  // Browsers cannot set headers on a WebSocket; they offer `taskport, key.<apiKey>` as subprotocols.
  const protocols = request.headers['sec-websocket-protocol'];
  if (typeof protocols === 'string') {
    const key = protocols
      .split(',')
      .map((p) => p.trim())
      .find((p) => p.startsWith('key.'));
    if (key) return key.slice(4);
  }
  return undefined;
}

/**
 * The onRequest check of every non-public route, before the body is read: 401 without a valid key,
 * 429 over the key's rate, 403 when the role lacks the route's permission altogether (the owner rule
 * needs the record and is checked in the handler).
 */
export async function authenticate(
  request: FastifyRequest,
  users: UserStore,
  limiter: KeyRateLimiter,
): Promise<void> {
  const permission = request.routeOptions.config.permission;
  if (permission === 'public' || permission === undefined) return;
  const presented = presentedKey(request);
  if (!presented) {
    throw new UnauthorizedError(
      'an API key is required: send Authorization: Bearer <key> (or X-API-Key: <key>); an admin creates keys with taskport users create',
    );
  }
  const parsed = parseApiKey(presented);
  const found = parsed ? await users.findKey(parsed.keyId) : null;
  const matches = secretMatches(parsed?.secret ?? '', found?.secretHash ?? DUMMY_HASH);
  if (!parsed || !found || !matches) {
    throw new UnauthorizedError('the API key is not valid (unknown, mistyped or revoked)');
  }
  const wait = limiter.take(found.principal.keyId);
  if (wait > 0) throw new RateLimitedError(wait);
  request.principal = found.principal;
  void users.touchKey(found.principal.keyId, new Date()).catch(() => undefined);
  if (!scopeOf(found.principal.role, permission)) {
    throw new ForbiddenError(`role ${found.principal.role} may not ${permission}`, {
      details: { permission, role: found.principal.role },
    });
  }
}

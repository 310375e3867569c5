import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallOptions, Harness, type RoleName } from './helpers/harness.js';

/**
 * Every route x every role x (for execution routes) owner / not owner, with the expected status. The
 * caller is always the role's own key; "own" executions were started by that key's user (for the
 * developer) and "other" ones by a second developer. Requests are valid, so only authorization decides.
 */
type Owner = 'own' | 'other' | 'n/a';
interface RouteCase {
  name: string;
  owner: Owner;
  /** Builds the request; may prepare what it needs (as admin). */
  request: (h: Harness, ids: { own: string; other: string }) => Promise<[string, string, CallOptions?]>;
  /** Expected status per role. */
  expect: Record<RoleName, number>;
}

const ALL = (status: number): Record<RoleName, number> => ({
  admin: status,
  operator: status,
  developer: status,
  viewer: status,
});
const ADMIN_OPERATOR = (ok: number) => ({ admin: ok, operator: ok, developer: 403, viewer: 403 });
const ADMIN_ONLY = (ok: number) => ({ admin: ok, operator: 403, developer: 403, viewer: 403 });

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

function executionRoute(
  name: string,
  path: (id: string) => [string, string, CallOptions?],
  ok: number,
  viewer: number,
): RouteCase[] {
  return (['own', 'other'] as const).map((owner) => ({
    name,
    owner,
    request: async (_h, ids) => path(owner === 'own' ? ids.own : ids.other),
    // The developer's "own" execution is its own; for the other roles both are someone else's and
    // they see all of them.
    expect: { admin: ok, operator: ok, developer: owner === 'own' ? ok : 403, viewer },
  }));
}

const ROUTES: RouteCase[] = [
  { name: 'GET /health', owner: 'n/a', request: async () => ['GET', '/api/v1/health'], expect: ALL(200) },
  {
    name: 'GET /health/ready',
    owner: 'n/a',
    request: async () => ['GET', '/api/v1/health/ready'],
    expect: ALL(200),
  },
  {
    name: 'GET /openapi.json',
    owner: 'n/a',
    request: async () => ['GET', '/api/v1/openapi.json'],
    expect: ALL(200),
  },
  {
    name: 'POST /run',
    owner: 'n/a',
    request: async () => ['POST', '/api/v1/run', { body: { command: 'true' } }],
    expect: { admin: 202, operator: 202, developer: 202, viewer: 403 },
  },
  {
    name: 'GET /executions',
    owner: 'n/a',
    request: async () => ['GET', '/api/v1/executions'],
    expect: ALL(200),
  },
  ...executionRoute('GET /executions/{id}', (id) => ['GET', `/api/v1/executions/${id}`], 200, 200),
  ...executionRoute(
    'GET /executions/{id}/wait',
    (id) => ['GET', `/api/v1/executions/${id}/wait?timeoutSeconds=0`],
    200,
    200,
  ),
  ...executionRoute('GET /executions/{id}/logs', (id) => ['GET', `/api/v1/executions/${id}/logs`], 200, 200),
  ...executionRoute(
    'GET /executions/{id}/logs (SSE)',
    (id) => ['GET', `/api/v1/executions/${id}/logs`, { headers: { accept: 'text/event-stream' } }],
    200,
    200,
  ),
  ...executionRoute('DELETE /executions/{id}', (id) => ['DELETE', `/api/v1/executions/${id}`], 200, 403),
  // The executions are finished, so a caller allowed to send input is told 409 (it has finished): the
  // owner rule and the role were checked before that.
  ...executionRoute(
    'POST /executions/{id}/stdin',
    (id) => ['POST', `/api/v1/executions/${id}/stdin`],
    409,
    403,
  ),
  {
    name: 'POST /images',
    owner: 'n/a',
    request: async () => ['POST', '/api/v1/images', { body: { image: `m${unique()}:1` } }],
    expect: ADMIN_OPERATOR(201),
  },
  {
    name: 'POST /images/register (legacy)',
    owner: 'n/a',
    request: async () => ['POST', '/api/v1/images/register', { body: { image: `m${unique()}:1`, cpu: 256 } }],
    expect: ADMIN_OPERATOR(201),
  },
  { name: 'GET /images', owner: 'n/a', request: async () => ['GET', '/api/v1/images'], expect: ALL(200) },
  {
    name: 'GET /images/default',
    owner: 'n/a',
    request: async () => ['GET', '/api/v1/images/default'],
    expect: ALL(200),
  },
  {
    name: 'PUT /images/default',
    owner: 'n/a',
    request: async (h) => {
      const image = await registered(h);
      return ['PUT', '/api/v1/images/default', { body: { ref: image } }];
    },
    expect: ADMIN_OPERATOR(200),
  },
  {
    name: 'GET /images/{ref}',
    owner: 'n/a',
    request: async (h) => ['GET', `/api/v1/images/${encodeURIComponent(await registered(h))}`],
    expect: ALL(200),
  },
  {
    name: 'DELETE /images/{ref}',
    owner: 'n/a',
    request: async (h) => ['DELETE', `/api/v1/images/${encodeURIComponent(await registered(h))}`],
    expect: ADMIN_OPERATOR(204),
  },
  {
    name: 'GET /trace/{requestId}',
    owner: 'n/a',
    request: async () => ['GET', '/api/v1/trace/req-x'],
    expect: ADMIN_OPERATOR(200),
  },
  {
    name: 'POST /reconcile',
    owner: 'n/a',
    request: async () => ['POST', '/api/v1/reconcile'],
    expect: ADMIN_OPERATOR(200),
  },
  { name: 'GET /users/me', owner: 'n/a', request: async () => ['GET', '/api/v1/users/me'], expect: ALL(200) },
  {
    name: 'GET /users',
    owner: 'n/a',
    request: async () => ['GET', '/api/v1/users'],
    expect: ADMIN_OPERATOR(200),
  },
  {
    name: 'POST /users',
    owner: 'n/a',
    request: async () => [
      'POST',
      '/api/v1/users',
      { body: { email: `u${unique()}@example.com`, role: 'viewer' } },
    ],
    expect: ADMIN_ONLY(201),
  },
  {
    name: 'POST /users/{email}/keys',
    owner: 'n/a',
    request: async (h) => ['POST', `/api/v1/users/${(await throwawayUser(h)).email}/keys`],
    expect: ADMIN_ONLY(201),
  },
  {
    name: 'DELETE /users/{email}/keys/{keyId}',
    owner: 'n/a',
    request: async (h) => {
      const user = await throwawayUser(h);
      return ['DELETE', `/api/v1/users/${user.email}/keys/${user.keyId}`];
    },
    expect: ADMIN_ONLY(200),
  },
  {
    name: 'DELETE /users/{email}',
    owner: 'n/a',
    request: async (h) => ['DELETE', `/api/v1/users/${(await throwawayUser(h)).email}`],
    expect: ADMIN_ONLY(200),
  },
  {
    name: 'GET /metrics',
    owner: 'n/a',
    request: async () => ['GET', '/metrics'],
    expect: ADMIN_OPERATOR(200),
  },
];

async function registered(h: Harness): Promise<string> {
  const r = await h.call<{ imageId: string }>('POST', '/api/v1/images', {
    body: { image: `m${unique()}:1` },
  });
  return r.body.imageId;
}

async function throwawayUser(h: Harness): Promise<{ email: string; keyId: string }> {
  const email = `t${unique()}@example.com`;
  const r = await h.call<{ keyId: string }>('POST', '/api/v1/users', { body: { email, role: 'viewer' } });
  return { email, keyId: r.body.keyId };
}

let h: Harness;
const ids = { own: '', other: '' };
beforeAll(async () => {
  h = await Harness.start({ rateLimit: { perSecond: 1000, burst: 1000 } });
  ids.own = await h.run('true', h.keys.developer);
  ids.other = await h.run('true', h.keys.developer2);
  await h.waitDone(ids.own);
  await h.waitDone(ids.other);
});
afterAll(async () => {
  await h?.close();
});

const ROLES: RoleName[] = ['admin', 'operator', 'developer', 'viewer'];
const CASES = ROUTES.flatMap((route) => ROLES.map((role) => ({ route, role })));

describe('authorization matrix', () => {
  it.each(CASES.map((c) => [c.route.name, c.route.owner, c.role, c.route.expect[c.role], c] as const))(
    '%s (%s) as %s -> %i',
    async (_name, _owner, role, expected, { route }) => {
      const [method, path, options = {}] = await route.request(h, ids);
      const response = await h.call<{ error?: { code: string } }>(method, path, {
        ...options,
        key: h.keys[role],
      });
      expect(response.status).toBe(expected);
      if (expected === 403) expect(response.body.error?.code).toBe('FORBIDDEN');
    },
  );

  const protectedRoutes = ROUTES.filter(
    (r) => !r.name.startsWith('GET /health') && r.name !== 'GET /openapi.json',
  );
  it.each(protectedRoutes.map((r) => [r.name, r.owner, r] as const))(
    '%s (%s) with no key or a wrong key -> 401',
    async (_name, _owner, route) => {
      const [method, path, options = {}] = await route.request(h, ids);
      for (const key of [
        null,
        'tpk_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        'garbage',
      ]) {
        const response = await h.call<{ error: { code: string } }>(method, path, { ...options, key });
        expect(response.status).toBe(401);
        expect(response.body.error.code).toBe('UNAUTHORIZED');
      }
    },
  );

  it("a developer's list holds only its own executions; a viewer's holds everyone's", async () => {
    const mine = await h.call<{ executions: { createdBy: string; executionId: string }[] }>(
      'GET',
      '/api/v1/executions?limit=1000',
      {
        key: h.keys.developer,
      },
    );
    expect(mine.body.executions.length).toBeGreaterThan(0);
    expect(mine.body.executions.every((e) => e.createdBy === 'developer@example.com')).toBe(true);
    const all = await h.call<{ executions: { executionId: string }[] }>(
      'GET',
      '/api/v1/executions?limit=1000',
      {
        key: h.keys.viewer,
      },
    );
    expect(all.body.executions.map((e) => e.executionId)).toEqual(
      expect.arrayContaining([ids.own, ids.other]),
    );
  });
});

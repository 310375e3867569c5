import { type Api, type ApiContext, principalOf } from '../api/api-context.js';
import {
  COMMON_ERRORS,
  CreateUserBody,
  EmailParams,
  ErrorBody,
  IssuedKey,
  KeyParams,
  Me,
  User,
  UserList,
} from '../api/schemas.js';
import { generateApiKey } from '../auth/api-key.js';
import { permissionsOf } from '../auth/roles.js';
import type { UserRecord, UserStore } from '../auth/user-store.js';

export function userRoutes(app: Api, ctx: ApiContext): void {
  app.get(
    '/users/me',
    {
      config: { permission: 'self' },
      schema: {
        tags: ['users'],
        summary: 'Who the key belongs to and what it may do',
        response: { 200: Me, ...COMMON_ERRORS },
      },
    },
    async (request) => {
      const me = principalOf(request);
      return { email: me.email, role: me.role, keyId: me.keyId, permissions: permissionsOf(me.role) };
    },
  );

  app.get(
    '/users',
    {
      config: { permission: 'users:read' },
      schema: {
        tags: ['users'],
        summary: 'List users and their keys (never the keys themselves)',
        response: { 200: UserList, ...COMMON_ERRORS },
      },
    },
    async () => ({ users: (await ctx.users.listUsers()).map(userJson) }),
  );

  app.post(
    '/users',
    {
      config: { permission: 'users:write' },
      schema: {
        tags: ['users'],
        summary: 'Create a user and its first API key (shown once)',
        body: CreateUserBody,
        response: { 201: IssuedKey, ...COMMON_ERRORS, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      await ctx.users.createUser({ ...request.body, createdBy: principalOf(request).email });
      const issued = await issueKey(ctx.users, request.body.email);
      audit(ctx, request.id, 'user created', {
        email: request.body.email,
        role: request.body.role,
        keyId: issued.keyId,
      });
      reply.code(201);
      return issued;
    },
  );

  app.post(
    '/users/:email/keys',
    {
      config: { permission: 'users:write' },
      schema: {
        tags: ['users'],
        summary: 'Issue another API key for a user (shown once), e.g. to rotate',
        params: EmailParams,
        response: { 201: IssuedKey, ...COMMON_ERRORS, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const issued = await issueKey(ctx.users, request.params.email);
      audit(ctx, request.id, 'API key issued', { email: request.params.email, keyId: issued.keyId });
      reply.code(201);
      return issued;
    },
  );

  app.delete(
    '/users/:email/keys/:keyId',
    {
      config: { permission: 'users:write' },
      schema: {
        tags: ['users'],
        summary: 'Revoke one API key',
        params: KeyParams,
        response: { 200: User, ...COMMON_ERRORS },
      },
    },
    async (request) => {
      await ctx.users.revokeKey(request.params.email, request.params.keyId);
      audit(ctx, request.id, 'API key revoked', { ...request.params });
      return userJson(await ctx.users.getUser(request.params.email));
    },
  );

  app.delete(
    '/users/:email',
    {
      config: { permission: 'users:write' },
      schema: {
        tags: ['users'],
        summary: 'Revoke a user and all its keys',
        params: EmailParams,
        response: { 200: User, ...COMMON_ERRORS },
      },
    },
    async (request) => {
      const user = await ctx.users.revokeUser(request.params.email);
      audit(ctx, request.id, 'user revoked', { email: user.email });
      return userJson(user);
    },
  );
}

/** A new key for a user: the key is returned once and only its hash is kept. */
export async function issueKey(users: UserStore, email: string) {
  const key = generateApiKey();
  await users.addKey(email, { keyId: key.keyId, secretHash: key.secretHash });
  return { user: userJson(await users.getUser(email)), keyId: key.keyId, apiKey: key.apiKey };
}

export function userJson(u: UserRecord) {
  return {
    email: u.email,
    role: u.role,
    createdAt: u.createdAt,
    createdBy: u.createdBy,
    revokedAt: u.revokedAt ?? null,
    keys: u.keys.map((k) => ({
      keyId: k.keyId,
      createdAt: k.createdAt,
      lastUsedAt: k.lastUsedAt ?? null,
      revokedAt: k.revokedAt ?? null,
    })),
  };
}

function audit(ctx: ApiContext, requestId: string, message: string, fields: Record<string, unknown>): void {
  ctx.logger.log({ level: 'info', message, requestId, fields: { operation: 'users', ...fields } });
}

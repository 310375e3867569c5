export type { Api, ApiContext, ApiService } from './api/api-context.js';
export type { ExecutionJson, ImageJson, LogEventJson, UserJson } from './api/schemas.js';
export * as schemas from './api/schemas.js';
export { executionJson, imageJson, logEventJson } from './api/wire.js';
export { generateApiKey, hashSecret, parseApiKey } from './auth/api-key.js';
export { isRole, type Permission, permissionsOf, ROLE_NAMES, type Role, scopeOf } from './auth/roles.js';
export { SqliteUserStore } from './auth/sqlite-user-store.js';
export type { ApiKeyRecord, Principal, UserRecord, UserStore } from './auth/user-store.js';
export { API_PREFIX, API_VERSION, type CreateAppOptions, createApp, type TaskportApp } from './create-app.js';
export { type ErrorBodyJson, toHttpError } from './http/http-error.js';
export { DEFAULT_RATE_LIMIT, type RateLimit } from './http/key-rate-limiter.js';
export { decodeLogCursor, encodeLogCursor, type LogCursor, resumeAfter } from './logs/log-cursor.js';
export {
  DEFAULT_LISTEN,
  type ListenAddress,
  parseListen,
  resolveListen,
  resolveUsersDb,
  type ServerOptions,
} from './server-options.js';
export { bootstrapUser, type RunningServer, startServer } from './start-server.js';

import type { OrchestratorService, ResolvedConfigLike } from './types.js';

/**
 * What the commands call on taskport: the Service's operations. In-process it is the OrchestratorService
 * itself; with a server it is `RemoteService`, which sends each call through the HTTP API - so every
 * command is written once and behaves the same in both modes.
 */
export type TaskportApi = Pick<
  OrchestratorService,
  | 'runCommand'
  | 'resolveExecutionId'
  | 'removeExecution'
  | 'pruneExecutions'
  | 'killExecution'
  | 'sendInput'
  | 'getExecutionStatus'
  | 'listExecutions'
  | 'getLogs'
  | 'streamLogs'
  | 'reconcileExecutions'
  | 'trace'
  | 'registerImage'
  | 'listImages'
  | 'getImage'
  | 'getDefaultImage'
  | 'removeImage'
  | 'setDefaultImage'
> &
  /** In-process only: the executor's capabilities and the logger to flush, which a server keeps to itself. */
  Partial<Pick<OrchestratorService, 'taskExecutor' | 'backendLogger' | 'executionStore'>>;

/** A user as the server reports it (never with a key). */
export interface RemoteUser {
  email: string;
  role: string;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  keys: { keyId: string; createdAt: string; lastUsedAt: string | null; revokedAt: string | null }[];
}

/** Users and keys: only a server has them. */
export interface UsersApi {
  me(): Promise<{ email: string; role: string; keyId: string; permissions: string[] }>;
  createUser(email: string, role: string): Promise<{ user: RemoteUser; keyId: string; apiKey: string }>;
  listUsers(): Promise<RemoteUser[]>;
  revokeUser(email: string): Promise<RemoteUser>;
}

/** What `context.open()` gives a command. */
export interface CliTaskport {
  service: TaskportApi;
  /** The resolved deployment config; absent when the commands go to a server. */
  config?: ResolvedConfigLike;
  /** Present when the commands go to a server. */
  remote?: { url: string; users: UsersApi };
  close(): Promise<void>;
}

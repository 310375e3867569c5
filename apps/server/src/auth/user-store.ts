import type { Role } from './roles.js';

/** A person (or robot) allowed to call the API. */
export interface UserRecord {
  email: string;
  role: Role;
  /** ISO 8601. */
  createdAt: string;
  /** Who created it (`bootstrap` for the first admin). */
  createdBy: string;
  /** Set when revoked: every key of the user stops working. */
  revokedAt?: string;
  keys: ApiKeyRecord[];
}

/** An API key as stored: never the key, only its id and the hash of its secret part. */
export interface ApiKeyRecord {
  keyId: string;
  createdAt: string;
  lastUsedAt?: string;
  revokedAt?: string;
}

/** What a successful key check yields. */
export interface Principal {
  email: string;
  role: Role;
  keyId: string;
}

/**
 * Users and their API keys, behind a port of their own so a deployment with several server instances
 * can keep them in a shared store. The local implementation is SQLite (`SqliteUserStore`).
 */
export interface UserStore {
  /** @throws ConflictError when a user with this email exists (revoked or not) */
  createUser(user: { email: string; role: Role; createdBy: string }): Promise<UserRecord>;
  /** @throws NotFoundError */
  getUser(email: string): Promise<UserRecord>;
  listUsers(): Promise<UserRecord[]>;
  /** Revokes the user and every key it has. @throws NotFoundError */
  revokeUser(email: string): Promise<UserRecord>;
  /** Stores a new key's id and hash for a user that is not revoked. @throws NotFoundError, ConflictError */
  addKey(email: string, key: { keyId: string; secretHash: Buffer }): Promise<ApiKeyRecord>;
  /** @throws NotFoundError when the user has no such key */
  revokeKey(email: string, keyId: string): Promise<ApiKeyRecord>;
  /**
   * The user of a live key and its stored hash, for the caller to compare in constant time; `null` when
   * the key id is unknown or the key or its user is revoked.
   */
  findKey(keyId: string): Promise<{ principal: Principal; secretHash: Buffer } | null>;
  /** Records a use of the key (best effort, at most about once a minute per key). */
  touchKey(keyId: string, at: Date): Promise<void>;
  /** Cheap liveness check for readiness probes. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

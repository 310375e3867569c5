import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { ConflictError, NotFoundError } from '@taskport/core';
import { isRole, type Role } from './roles.js';
import type { ApiKeyRecord, Principal, UserRecord, UserStore } from './user-store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  email TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS api_keys (
  key_id TEXT PRIMARY KEY,
  email TEXT NOT NULL REFERENCES users(email),
  secret_hash BLOB NOT NULL,
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at TEXT
);
CREATE INDEX IF NOT EXISTS api_keys_by_email ON api_keys(email);
`;

interface UserRow {
  email: string;
  role: string;
  created_at: string;
  created_by: string;
  revoked_at: string | null;
}
interface KeyRow {
  key_id: string;
  email: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/**
 * Users and API keys in one SQLite file (node:sqlite). Right for one server instance; several instances
 * need a store they share (see docs/server.md). Emails are compared case-insensitively (stored lower-case).
 */
export class SqliteUserStore implements UserStore {
  readonly path: string;
  private readonly db: DatabaseSync;
  private readonly lastTouch = new Map<string, number>();

  constructor(path: string) {
    this.path = path;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const { DatabaseSync } = createRequire(import.meta.url)('node:sqlite') as typeof import('node:sqlite');
    this.db = new DatabaseSync(path);
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;');
    this.db.exec(SCHEMA);
  }

  async createUser(user: { email: string; role: Role; createdBy: string }): Promise<UserRecord> {
    const email = normalise(user.email);
    const existing = this.db.prepare('SELECT email FROM users WHERE email = ?').get(email);
    if (existing) throw new ConflictError(`a user ${email} exists already`, { details: { field: 'email' } });
    this.db
      .prepare('INSERT INTO users (email, role, created_at, created_by) VALUES (?, ?, ?, ?)')
      .run(email, user.role, new Date().toISOString(), user.createdBy);
    return this.getUser(email);
  }

  async getUser(email: string): Promise<UserRecord> {
    const row = this.db.prepare('SELECT * FROM users WHERE email = ?').get(normalise(email)) as
      | UserRow
      | undefined;
    if (!row) throw new NotFoundError(`no user ${normalise(email)}`, { details: { field: 'email' } });
    return this.toUser(row);
  }

  async listUsers(): Promise<UserRecord[]> {
    const rows = this.db
      .prepare('SELECT * FROM users ORDER BY created_at, email')
      .all() as unknown as UserRow[];
    return rows.map((row) => this.toUser(row));
  }

  async revokeUser(email: string): Promise<UserRecord> {
    const user = await this.getUser(email);
    const now = new Date().toISOString();
    this.db.exec('BEGIN IMMEDIATE');
    try {
      this.db
        .prepare('UPDATE users SET revoked_at = COALESCE(revoked_at, ?) WHERE email = ?')
        .run(now, user.email);
      this.db
        .prepare('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE email = ?')
        .run(now, user.email);
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
    return this.getUser(user.email);
  }

  async addKey(email: string, key: { keyId: string; secretHash: Buffer }): Promise<ApiKeyRecord> {
    const user = await this.getUser(email);
    if (user.revokedAt) throw new ConflictError(`user ${user.email} is revoked; create a new user instead`);
    const createdAt = new Date().toISOString();
    this.db
      .prepare('INSERT INTO api_keys (key_id, email, secret_hash, created_at) VALUES (?, ?, ?, ?)')
      .run(key.keyId, user.email, key.secretHash, createdAt);
    return { keyId: key.keyId, createdAt };
  }

  async revokeKey(email: string, keyId: string): Promise<ApiKeyRecord> {
    const result = this.db
      .prepare('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE key_id = ? AND email = ?')
      .run(new Date().toISOString(), keyId, normalise(email));
    if (result.changes === 0) throw new NotFoundError(`user ${normalise(email)} has no key ${keyId}`);
    const row = this.db.prepare('SELECT * FROM api_keys WHERE key_id = ?').get(keyId) as unknown as KeyRow;
    return toKey(row);
  }

  async findKey(keyId: string): Promise<{ principal: Principal; secretHash: Buffer } | null> {
    const row = this.db
      .prepare(
        `SELECT k.secret_hash AS secret_hash, u.email AS email, u.role AS role
           FROM api_keys k JOIN users u ON u.email = k.email
          WHERE k.key_id = ? AND k.revoked_at IS NULL AND u.revoked_at IS NULL`,
      )
      .get(keyId) as { secret_hash: Uint8Array; email: string; role: string } | undefined;
    if (!row || !isRole(row.role)) return null;
    return {
      principal: { email: row.email, role: row.role, keyId },
      secretHash: Buffer.from(row.secret_hash),
    };
  }

  async touchKey(keyId: string, at: Date): Promise<void> {
    const last = this.lastTouch.get(keyId) ?? 0;
    if (at.getTime() - last < 60_000) return;
    this.lastTouch.set(keyId, at.getTime());
    this.db.prepare('UPDATE api_keys SET last_used_at = ? WHERE key_id = ?').run(at.toISOString(), keyId);
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }

  private toUser(row: UserRow): UserRecord {
    const keys = this.db
      .prepare('SELECT * FROM api_keys WHERE email = ? ORDER BY created_at, key_id')
      .all(row.email) as unknown as KeyRow[];
    return {
      email: row.email,
      role: isRole(row.role) ? row.role : 'viewer',
      createdAt: row.created_at,
      createdBy: row.created_by,
      ...(row.revoked_at ? { revokedAt: row.revoked_at } : {}),
      keys: keys.map(toKey),
    };
  }
}

function toKey(row: KeyRow): ApiKeyRecord {
  return {
    keyId: row.key_id,
    createdAt: row.created_at,
    ...(row.last_used_at ? { lastUsedAt: row.last_used_at } : {}),
    ...(row.revoked_at ? { revokedAt: row.revoked_at } : {}),
  };
}

function normalise(email: string): string {
  return email.trim().toLowerCase();
}

import type { DatabaseSync } from 'node:sqlite';
import { ConfigurationError } from '@taskport/core';

/**
 * Schema migrations, applied in order. `PRAGMA user_version` records how many have run, so a data
 * directory written by an older taskport is upgraded in place and one written by a newer taskport is
 * refused instead of being misread. Never edit a released migration: append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: tasks + their output, execution records, images, backend logs.
  `
  CREATE TABLE tasks (
    execution_id      TEXT PRIMARY KEY,
    status            TEXT NOT NULL,
    command           TEXT NOT NULL,           -- JSON: the command as given (string or argv)
    image             TEXT NOT NULL,           -- recorded, not run: there is no container runtime
    image_id          TEXT NOT NULL,
    env               TEXT NOT NULL,           -- JSON, non-secret environment only
    secret_names      TEXT NOT NULL,           -- JSON array of names; values are never written
    labels            TEXT NOT NULL,
    cwd               TEXT NOT NULL,
    timeout_seconds   INTEGER,
    kill_grace_ms     INTEGER NOT NULL,
    idempotency_key   TEXT UNIQUE,
    request_id        TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    created_at        INTEGER NOT NULL,        -- Unix ms
    started_at        INTEGER,
    stopped_at        INTEGER,
    exit_code         INTEGER,
    stop_code         TEXT,
    reason            TEXT,
    supervisor_pid    INTEGER,
    supervisor_token  TEXT,                    -- process start time, guards against pid reuse
    supervisor_ready  INTEGER NOT NULL DEFAULT 0,
    task_pid          INTEGER,                 -- also the process group id of the task
    task_token        TEXT,
    kill_requested_at INTEGER
  );

  -- One row per output line. Clustered by execution so reading one task's output is a range scan.
  CREATE TABLE task_logs (
    execution_id TEXT NOT NULL,
    seq          INTEGER NOT NULL,             -- 0,1,2,... across stdout and stderr in arrival order
    ts           INTEGER NOT NULL,             -- Unix ms, never decreasing within an execution
    stream       INTEGER NOT NULL,             -- 1 stdout, 2 stderr
    message      TEXT NOT NULL,
    PRIMARY KEY (execution_id, seq)
  ) WITHOUT ROWID;

  CREATE TABLE executions (
    execution_id           TEXT PRIMARY KEY,
    created_ms             INTEGER NOT NULL,
    status                 TEXT NOT NULL,
    request_id             TEXT NOT NULL,
    modified_by_request_id TEXT,
    idempotency_key        TEXT UNIQUE,
    record                 TEXT NOT NULL       -- JSON Execution
  );
  CREATE INDEX executions_newest ON executions (created_ms DESC, execution_id DESC);
  CREATE INDEX executions_status ON executions (status, created_ms DESC, execution_id DESC);
  -- Every request that created or changed an execution (not only the last one), for tracing.
  CREATE TABLE execution_requests (
    request_id   TEXT NOT NULL,
    execution_id TEXT NOT NULL REFERENCES executions (execution_id) ON DELETE CASCADE,
    PRIMARY KEY (request_id, execution_id)
  ) WITHOUT ROWID;

  CREATE TABLE images (
    image_id        TEXT PRIMARY KEY,
    image           TEXT NOT NULL,             -- exactly as registered
    normalized      TEXT NOT NULL,
    registry        TEXT NOT NULL,
    repository      TEXT NOT NULL,
    tag             TEXT,
    digest          TEXT,
    cpu             INTEGER NOT NULL,
    memory          INTEGER NOT NULL,
    platform        TEXT NOT NULL,
    task_role       TEXT,
    execution_role  TEXT,
    registered_by   TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    seq             INTEGER NOT NULL UNIQUE,   -- registration order, breaks created_at ties
    request_id      TEXT
  );
  CREATE INDEX images_image ON images (image);
  CREATE INDEX images_normalized ON images (normalized);

  -- The default image as a single-row pointer: "at most one default" holds by construction, and
  -- deleting the image deletes the pointer (removing the default leaves none).
  CREATE TABLE image_default (
    slot     INTEGER PRIMARY KEY CHECK (slot = 1),
    image_id TEXT NOT NULL REFERENCES images (image_id) ON DELETE CASCADE
  );

  CREATE TABLE backend_logs (
    id         INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL,
    ts         INTEGER NOT NULL,
    level      TEXT NOT NULL,
    message    TEXT NOT NULL,
    fields     TEXT                            -- JSON, secret-looking keys redacted
  );
  CREATE INDEX backend_logs_request ON backend_logs (request_id, id);
  `,
  // 2: idempotency keys are scoped per user. The key moves to `user_idempotency_key`, unique together
  // with `created_by`; `executions.idempotency_key` (unique across users) is retired and stays NULL.
  // `tasks.idempotency_key` holds the executor's token (`v2:` + 64 hex over user, key and request) from
  // now on; rows of schema 1 keep their raw key, which no token can equal (keys have no ':').
  `
  ALTER TABLE executions ADD COLUMN created_by TEXT;
  ALTER TABLE executions ADD COLUMN user_idempotency_key TEXT;
  UPDATE executions SET
    created_by = json_extract(record, '$.createdBy'),
    user_idempotency_key = idempotency_key,
    idempotency_key = NULL;
  CREATE UNIQUE INDEX executions_user_idempotency_key
    ON executions (created_by, user_idempotency_key) WHERE user_idempotency_key IS NOT NULL;
  `,
  // 3: the exact bytes of an output line whose text is not them (invalid UTF-8, CR LF, no final newline,
  // a piece of an over-long line); NULL when message + "\n" is the line.
  `
  ALTER TABLE task_logs ADD COLUMN raw BLOB;
  `,
  // 4: how a kill was asked to stop the task (first signal, grace before SIGKILL; NULL: the defaults),
  // and whether the task's stdin stays open for one attach (run -i).
  `
  ALTER TABLE tasks ADD COLUMN kill_signal TEXT;
  ALTER TABLE tasks ADD COLUMN kill_requested_grace_ms INTEGER;
  ALTER TABLE tasks ADD COLUMN interactive INTEGER NOT NULL DEFAULT 0;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the schema up to date. Runs inside the caller's `BEGIN IMMEDIATE`, so two processes opening a new
 * data directory at once do not both create the tables. */
export function migrate(db: DatabaseSync, path: string): void {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number };
  const current = row.user_version;
  if (current > SCHEMA_VERSION) {
    throw new ConfigurationError(
      `the database ${path} has schema version ${current}, newer than this taskport understands (${SCHEMA_VERSION}); upgrade taskport or use another dataDir`,
      { provider: 'local', details: { key: 'dataDir' } },
    );
  }
  for (let version = current; version < SCHEMA_VERSION; version++) {
    db.exec(MIGRATIONS[version]!);
  }
  if (current !== SCHEMA_VERSION) db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
}

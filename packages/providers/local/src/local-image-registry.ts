import {
  ConflictError,
  canonicalImageConfig,
  computeImageId,
  type ImageConfig,
  type ImageInfo,
  type ImageRegistry,
  NotFoundError,
  type OperationOptions,
  type Platform,
  parseImageReference,
  type RegisterImageOptions,
  ValidationError,
} from '@taskport/core';
import {
  type LocalDatabase,
  openLocalDatabase,
  releaseLocalDatabase,
  sqliteError,
} from './local-database.js';
import { defaultDataDir } from './local-options.js';

export interface LocalImageRegistryOptions {
  /** Data directory (see LocalOptions.dataDir). @default the LocalOptions default */
  dataDir?: string;
}

const PROVIDER = 'local';

interface ImageRow {
  image_id: string;
  image: string;
  normalized: string;
  registry: string;
  repository: string;
  tag: string | null;
  digest: string | null;
  cpu: number;
  memory: number;
  platform: Platform;
  task_role: string | null;
  execution_role: string | null;
  registered_by: string;
  created_at: number;
  seq: number;
  request_id: string | null;
  is_default: number;
}

/** Every image query selects the row plus whether the default pointer names it. */
const SELECT = `SELECT i.*, (d.image_id IS NOT NULL) AS is_default
  FROM images i LEFT JOIN image_default d ON d.image_id = i.image_id`;
/** Among several matches of a name: the default first, then the newest registration. */
const PREFERENCE = 'ORDER BY is_default DESC, i.created_at DESC, i.seq DESC';

function toInfo(row: ImageRow): ImageInfo {
  const info: ImageInfo = {
    imageId: row.image_id,
    image: row.image,
    reference: row.normalized,
    registry: row.registry,
    repository: row.repository,
    isDefault: row.is_default === 1,
    cpu: row.cpu,
    memory: row.memory,
    platform: row.platform,
    registeredBy: row.registered_by,
    createdAt: new Date(row.created_at).toISOString(),
  };
  if (row.tag !== null) info.tag = row.tag;
  if (row.digest !== null) info.digest = row.digest;
  if (row.task_role !== null) info.taskRole = row.task_role;
  if (row.execution_role !== null) info.executionRole = row.execution_role;
  if (row.request_id !== null) info.requestId = row.request_id;
  return info;
}

/**
 * Registered images in the data directory's SQLite database. The default is a single-row pointer table,
 * so there is never more than one, and every change of it is one transaction.
 */
export class LocalImageRegistry implements ImageRegistry {
  readonly provider = PROVIDER;
  private readonly dataDir: string;

  constructor(options: LocalImageRegistryOptions = {}) {
    this.dataDir = options.dataDir ?? defaultDataDir(process.env);
  }

  /** Releases this adapter's use of the shared database connection (closed with its last user). */
  close(): void {
    releaseLocalDatabase(this.dataDir, this);
  }

  private get database(): LocalDatabase {
    return openLocalDatabase(this.dataDir, this);
  }

  async registerImage(config: ImageConfig, options: RegisterImageOptions = {}): Promise<ImageInfo> {
    options.signal?.throwIfAborted();
    const operation = 'ImageRegistry.registerImage';
    const canonical = canonicalImageConfig(config);
    const imageId = computeImageId(canonical);
    const database = this.database;
    try {
      return database.immediate(() => {
        const exists = database.db.prepare('SELECT 1 FROM images WHERE image_id = ?').get(imageId);
        if (!exists) {
          const { reference } = canonical;
          database.db
            .prepare(
              `INSERT INTO images (image_id, image, normalized, registry, repository, tag, digest, cpu, memory, platform,
                 task_role, execution_role, registered_by, created_at, seq, request_id)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM images), ?)`,
            )
            .run(
              imageId,
              canonical.image,
              reference.normalized,
              reference.registry,
              reference.repository,
              reference.tag ?? null,
              reference.digest ?? null,
              canonical.cpu,
              canonical.memory,
              canonical.platform,
              canonical.taskRole ?? null,
              canonical.executionRole ?? null,
              canonical.registeredBy,
              Date.now(),
              options.requestId ?? null,
            );
        }
        // The same config registered again changes nothing but the default, as ImageConfig.isDefault says.
        if (canonical.isDefault === true) this.pointDefaultAt(database, imageId);
        else if (canonical.isDefault === false) {
          database.db.prepare('DELETE FROM image_default WHERE image_id = ?').run(imageId);
        } else if (!database.db.prepare('SELECT 1 FROM image_default').get()) {
          this.pointDefaultAt(database, imageId);
        }
        return this.byId(database, imageId)!;
      });
    } catch (error) {
      throw sqliteError(error, operation);
    }
  }

  async listImages(options: OperationOptions = {}): Promise<ImageInfo[]> {
    options.signal?.throwIfAborted();
    try {
      const rows = this.database.db.prepare(`${SELECT} ${PREFERENCE}`).all() as unknown as ImageRow[];
      return rows.map(toInfo);
    } catch (error) {
      throw sqliteError(error, 'ImageRegistry.listImages');
    }
  }

  async getImage(ref: string, options: OperationOptions = {}): Promise<ImageInfo> {
    options.signal?.throwIfAborted();
    const operation = 'ImageRegistry.getImage';
    const matches = this.find(ref, operation);
    if (matches.length === 0) throw this.notFound(ref, operation);
    return toInfo(matches[0]!);
  }

  async removeImage(ref: string, options: OperationOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    const operation = 'ImageRegistry.removeImage';
    const database = this.database;
    let outcome: { ids?: string[] };
    try {
      outcome = database.immediate(() => {
        const matches = this.find(ref, operation);
        if (matches.length !== 1) return { ids: matches.map((row) => row.image_id) };
        // The default pointer goes with the row (ON DELETE CASCADE): removing the default leaves none.
        database.db.prepare('DELETE FROM images WHERE image_id = ?').run(matches[0]!.image_id);
        return {};
      });
    } catch (error) {
      throw sqliteError(error, operation);
    }
    if (!outcome.ids) return;
    if (outcome.ids.length === 0) throw this.notFound(ref, operation);
    throw new ConflictError(
      `"${ref}" matches ${outcome.ids.length} images (${outcome.ids.join(', ')}); remove one by its ImageID`,
      { provider: PROVIDER, operation, details: { ref, imageIds: outcome.ids } },
    );
  }

  async getDefaultImage(options: OperationOptions = {}): Promise<ImageInfo | null> {
    options.signal?.throwIfAborted();
    try {
      const row = this.database.db.prepare(`${SELECT} WHERE d.image_id IS NOT NULL`).get() as unknown as
        | ImageRow
        | undefined;
      return row ? toInfo(row) : null;
    } catch (error) {
      throw sqliteError(error, 'ImageRegistry.getDefaultImage');
    }
  }

  async setDefaultImage(ref: string, options: OperationOptions = {}): Promise<ImageInfo> {
    options.signal?.throwIfAborted();
    const operation = 'ImageRegistry.setDefaultImage';
    const database = this.database;
    let info: ImageInfo | undefined;
    try {
      info = database.immediate(() => {
        const match = this.find(ref, operation)[0];
        if (!match) return undefined;
        this.pointDefaultAt(database, match.image_id);
        return this.byId(database, match.image_id);
      });
    } catch (error) {
      throw sqliteError(error, operation);
    }
    if (!info) throw this.notFound(ref, operation);
    return info;
  }

  private pointDefaultAt(database: LocalDatabase, imageId: string): void {
    database.db
      .prepare(
        'INSERT INTO image_default (slot, image_id) VALUES (1, ?) ON CONFLICT (slot) DO UPDATE SET image_id = excluded.image_id',
      )
      .run(imageId);
  }

  private byId(database: LocalDatabase, imageId: string): ImageInfo | undefined {
    const row = database.db.prepare(`${SELECT} WHERE i.image_id = ?`).get(imageId) as unknown as
      | ImageRow
      | undefined;
    return row ? toInfo(row) : undefined;
  }

  /**
   * The images `ref` names, best first: the ImageID itself; else every image registered with exactly
   * this string; else every image whose normalised reference equals the normalised `ref` (`alpine` finds
   * `docker.io/library/alpine:latest`). Each step reads all rows, never a first page only.
   */
  private find(ref: string, operation: string): ImageRow[] {
    if (typeof ref !== 'string' || ref.trim() === '') {
      throw new ValidationError('an ImageID or image name is required', {
        provider: PROVIDER,
        operation,
        details: { field: 'ref' },
      });
    }
    const wanted = ref.trim();
    const db = this.database.db;
    const byId = db.prepare(`${SELECT} WHERE i.image_id = ?`).all(wanted) as unknown as ImageRow[];
    if (byId.length > 0) return byId;
    const exact = db
      .prepare(`${SELECT} WHERE i.image = ? ${PREFERENCE}`)
      .all(wanted) as unknown as ImageRow[];
    if (exact.length > 0) return exact;
    let normalized: string;
    try {
      normalized = parseImageReference(wanted).normalized;
    } catch {
      // Not a valid reference, so it cannot name a registered image (and it is not an ImageID either).
      return [];
    }
    return db
      .prepare(`${SELECT} WHERE i.normalized = ? ${PREFERENCE}`)
      .all(normalized) as unknown as ImageRow[];
  }

  private notFound(ref: string, operation: string): NotFoundError {
    return new NotFoundError(
      `no registered image matches "${ref}"; see the list of images for their ImageIDs`,
      {
        provider: PROVIDER,
        operation,
        details: { ref },
      },
    );
  }
}

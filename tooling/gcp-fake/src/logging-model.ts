import { randomBytes } from 'node:crypto';
import type { Timestamp } from './cloud-run-types.js';
import { invalid } from './grpc-errors.js';
import { type FieldReader, matches, parseFilter } from './log-filter.js';
import { checkLogName, checkLogResourceName } from './resource-names.js';
import { timestamp, timestampNs } from './time.js';

/** A `google.protobuf.Value` as proto-loader decodes it. */
export interface StructValue {
  nullValue?: string;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: { fields?: Record<string, StructValue> };
  listValue?: { values?: StructValue[] };
  kind?: string;
}

/** A LogEntry as decoded from (and encoded to) the wire. */
export interface LogEntryMessage {
  logName?: string;
  resource?: { type?: string; labels?: Record<string, string> };
  textPayload?: string;
  jsonPayload?: { fields?: Record<string, StructValue> };
  timestamp?: Timestamp;
  receiveTimestamp?: Timestamp;
  severity?: string;
  insertId?: string;
  labels?: Record<string, string>;
  [field: string]: unknown;
}

interface StoredEntry {
  message: LogEntryMessage;
  ns: bigint;
  insertId: string;
  /** When the entry becomes visible to reads (ingestion delay). */
  visibleAt: number;
  json: Record<string, unknown> | undefined;
}

export function fromStruct(
  struct: { fields?: Record<string, StructValue> } | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(struct?.fields ?? {})) out[key] = fromValue(value);
  return out;
}

function fromValue(value: StructValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.numberValue !== undefined) return value.numberValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.structValue !== undefined) return fromStruct(value.structValue);
  if (value.listValue !== undefined) return (value.listValue.values ?? []).map(fromValue);
  return null;
}

export function toStruct(object: Record<string, unknown>): { fields: Record<string, StructValue> } {
  const fields: Record<string, StructValue> = {};
  for (const [key, value] of Object.entries(object)) fields[key] = toValue(value);
  return { fields };
}

function toValue(value: unknown): StructValue {
  if (value === null || value === undefined) return { nullValue: 'NULL_VALUE' };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(toValue) } };
  return { structValue: toStruct(value as Record<string, unknown>) };
}

function compareEntries(a: StoredEntry, b: StoredEntry): number {
  return a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : a.insertId < b.insertId ? -1 : a.insertId > b.insertId ? 1 : 0;
}

/** Inserts keeping the array sorted; entries mostly arrive in order, so this is usually an append. */
function insertSorted(list: StoredEntry[], entry: StoredEntry): void {
  let lo = 0;
  let hi = list.length;
  if (hi === 0 || compareEntries(list[hi - 1]!, entry) <= 0) {
    list.push(entry);
    return;
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareEntries(list[mid]!, entry) <= 0) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, entry);
}

const EXECUTION_LABEL = 'run.googleapis.com/execution_name';

interface Cursor {
  ns: string;
  id: string;
}

/**
 * The fake Cloud Logging store: entries with an ingestion delay, filters from the subset the adapters
 * send (recorded in `filters` so tests can assert on them), pages ordered by timestamp then insertId.
 */
export class LoggingModel {
  /** Every filter received by ListLogEntries and TailLogEntries, in order. */
  readonly filters: string[] = [];
  /** Milliseconds between a write and the entry being readable. */
  ingestionDelayMs = 0;
  /** Largest page the fake returns, whatever the request asks (the service's own cap is 1000). */
  maxPageSize = 1000;
  private readonly all: StoredEntry[] = [];
  private readonly byExecution = new Map<string, StoredEntry[]>();
  private sequence = 0;

  write(request: {
    logName?: string;
    resource?: LogEntryMessage['resource'];
    labels?: Record<string, string>;
    entries?: LogEntryMessage[];
    dryRun?: boolean;
  }): void {
    const entries = request.entries ?? [];
    if (entries.length === 0) throw invalid('entries: at least one log entry is required');
    if (request.logName) checkLogName(request.logName);
    const prepared = entries.map((entry, index) => {
      const logName = entry.logName || request.logName;
      if (!logName) throw invalid(`entries[${index}].log_name is required (or log_name on the request)`);
      checkLogName(logName, `entries[${index}].log_name`);
      const resource = entry.resource ?? request.resource;
      if (!resource?.type)
        throw invalid(`entries[${index}].resource is required (or resource on the request)`);
      return {
        ...entry,
        logName,
        resource,
        labels: { ...(request.labels ?? {}), ...(entry.labels ?? {}) },
      };
    });
    if (request.dryRun) return;
    for (const entry of prepared) this.ingest(entry);
  }

  /** Stores one entry as the service does after a write: insertId and receive time filled in. */
  ingest(entry: LogEntryMessage): void {
    const now = Date.now();
    const insertId =
      entry.insertId ||
      `${now.toString(16)}${(this.sequence++).toString(16).padStart(6, '0')}${randomBytes(3).toString('hex')}`;
    const message: LogEntryMessage = {
      ...entry,
      insertId,
      timestamp: entry.timestamp ?? timestamp(now),
      receiveTimestamp: timestamp(now),
      severity: entry.severity ?? 'DEFAULT',
    };
    const stored: StoredEntry = {
      message,
      ns: timestampNs(message.timestamp),
      insertId,
      visibleAt: now + this.ingestionDelayMs,
      json: message.jsonPayload ? fromStruct(message.jsonPayload) : undefined,
    };
    insertSorted(this.all, stored);
    const execution = message.labels?.[EXECUTION_LABEL];
    if (execution) {
      let bucket = this.byExecution.get(execution);
      if (!bucket) {
        bucket = [];
        this.byExecution.set(execution, bucket);
      }
      insertSorted(bucket, stored);
    }
  }

  list(request: {
    resourceNames?: string[];
    filter?: string;
    orderBy?: string;
    pageSize?: number;
    pageToken?: string;
  }): { entries: LogEntryMessage[]; nextPageToken: string } {
    const resourceNames = request.resourceNames ?? [];
    if (resourceNames.length === 0) throw invalid('resource_names: at least one resource name is required');
    for (const name of resourceNames) checkLogResourceName(name);
    const filterText = request.filter ?? '';
    this.filters.push(filterText);
    const filter = parseFilter(filterText);
    const orderBy = (request.orderBy ?? '').trim().toLowerCase() || 'timestamp asc';
    if (orderBy !== 'timestamp asc' && orderBy !== 'timestamp desc') {
      throw invalid(`order_by "${request.orderBy}" must be "timestamp asc" or "timestamp desc"`);
    }
    const pageSize = request.pageSize ?? 50;
    if (pageSize < 0 || pageSize > 1000) throw invalid('page_size must be at most 1000');
    const size = Math.min(pageSize || 50, this.maxPageSize);
    const cursor = request.pageToken ? this.decodeCursor(request.pageToken) : undefined;
    const projects = new Set(resourceNames.map((name) => name.split('/').slice(0, 2).join('/')));
    const candidates = this.candidates(filter);
    const ascending = orderBy === 'timestamp asc';
    const now = Date.now();
    const out: StoredEntry[] = [];
    let more = false;
    const count = candidates.length;
    // Start right after the cursor (binary search in the sorted list), not by skipping from the start.
    let n = 0;
    if (cursor) {
      const at = { ns: BigInt(cursor.ns), insertId: cursor.id } as StoredEntry;
      let lo = 0;
      let hi = count;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const entry = candidates[ascending ? mid : count - 1 - mid]!;
        const order = compareEntries(entry, at);
        if (ascending ? order <= 0 : order >= 0) lo = mid + 1;
        else hi = mid;
      }
      n = lo;
    }
    // ...and not before the filter's lower time bound (follows re-read from a recent time).
    const lower = filter.find(
      (any) => any.length === 1 && (any[0]!.op === '>=' || any[0]!.op === '>') && any[0]!.ns !== undefined,
    )?.[0]?.ns;
    if (ascending && lower !== undefined) {
      let lo = n;
      let hi = count;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (candidates[mid]!.ns < lower) lo = mid + 1;
        else hi = mid;
      }
      n = lo;
    }
    for (; n < count; n++) {
      const entry = candidates[ascending ? n : count - 1 - n]!;
      if (entry.visibleAt > now) continue;
      if (!projects.has(entry.message.logName!.split('/').slice(0, 2).join('/'))) continue;
      if (!matches(filter, this.reader(entry), entry.ns)) continue;
      if (out.length === size) {
        more = true;
        break;
      }
      out.push(entry);
    }
    const last = out[out.length - 1];
    return {
      entries: out.map((entry) => entry.message),
      nextPageToken:
        more && last
          ? Buffer.from(JSON.stringify({ ns: String(last.ns), id: last.insertId })).toString('base64url')
          : '',
    };
  }

  /** Entries that became visible after `afterVisible` and match, for TailLogEntries. */
  tail(filterText: string, resourceNames: string[], since: number, until: number): LogEntryMessage[] {
    const filter = parseFilter(filterText);
    const projects = new Set(resourceNames.map((name) => name.split('/').slice(0, 2).join('/')));
    return this.candidates(filter)
      .filter(
        (entry) =>
          entry.visibleAt > since &&
          entry.visibleAt <= until &&
          projects.has(entry.message.logName!.split('/').slice(0, 2).join('/')) &&
          matches(filter, this.reader(entry), entry.ns),
      )
      .map((entry) => entry.message);
  }

  get size(): number {
    return this.all.length;
  }

  /** The smallest sorted list that holds every match: one execution's entries when the filter names it. */
  private candidates(filter: ReturnType<typeof parseFilter>): StoredEntry[] {
    for (const any of filter) {
      const only = any.length === 1 ? any[0]! : undefined;
      if (
        only?.op === '=' &&
        only.path[0] === 'labels' &&
        only.path[1] === EXECUTION_LABEL &&
        only.path.length === 2
      ) {
        return this.byExecution.get(only.value) ?? [];
      }
    }
    return this.all;
  }

  private reader(entry: StoredEntry): FieldReader {
    const { message } = entry;
    return (path) => {
      const [head, ...rest] = path;
      switch (head) {
        case 'logName':
          return message.logName;
        case 'insertId':
          return message.insertId;
        case 'severity':
          return message.severity;
        case 'textPayload':
          return message.textPayload;
        case 'labels':
          return rest.length === 1 ? message.labels?.[rest[0]!] : undefined;
        case 'resource':
          if (rest[0] === 'type' && rest.length === 1) return message.resource?.type;
          if (rest[0] === 'labels' && rest.length === 2) return message.resource?.labels?.[rest[1]!];
          return undefined;
        case 'jsonPayload': {
          let value: unknown = entry.json;
          for (const key of rest) value = (value as Record<string, unknown> | undefined)?.[key];
          return value === undefined || value === null ? undefined : String(value);
        }
        default:
          throw invalid(`filter: field "${path.join('.')}" is not implemented by the fake`);
      }
    };
  }

  private decodeCursor(token: string): Cursor {
    try {
      const cursor = JSON.parse(Buffer.from(token, 'base64url').toString()) as Cursor;
      if (typeof cursor.ns !== 'string' || typeof cursor.id !== 'string') throw new Error('shape');
      return cursor;
    } catch {
      throw invalid(`page_token "${token}" is not valid`);
    }
  }
}

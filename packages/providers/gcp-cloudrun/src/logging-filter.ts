/*
 * Cloud Logging filters, built only from values taskport has validated itself (resource names, hashes,
 * times). Quoting is still applied to every value, so a value can never end its string early.
 */

/** A Logging query string literal. */
export function quote(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** RFC 3339 with nanoseconds, as Cloud Logging compares timestamps. */
export function rfc3339(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const base = new Date(Number(ms)).toISOString().slice(0, 19);
  const fraction = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${base}.${fraction}Z`;
}

export function timestampNs(value: { seconds?: unknown; nanos?: number | null } | null | undefined): bigint {
  if (!value) return 0n;
  return BigInt(String(value.seconds ?? 0)) * 1_000_000_000n + BigInt(value.nanos ?? 0);
}

export function and(...terms: string[]): string {
  return terms.join(' AND ');
}

/** A `google.protobuf.Value` as the clients decode it. */
interface StructValue {
  nullValue?: 'NULL_VALUE' | 0 | null;
  numberValue?: number | null;
  stringValue?: string | null;
  boolValue?: boolean | null;
  structValue?: { fields?: Record<string, StructValue> | null } | null;
  listValue?: { values?: StructValue[] | null } | null;
  kind?: string;
}

/** A decoded `google.protobuf.Struct` as a plain object. */
export function fromStruct(struct: { fields?: Record<string, StructValue> | null } | null | undefined) {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(struct?.fields ?? {})) out[key] = fromValue(value);
  return out;
}

function fromValue(value: StructValue): unknown {
  switch (value.kind) {
    case 'stringValue':
      return value.stringValue;
    case 'numberValue':
      return value.numberValue;
    case 'boolValue':
      return value.boolValue;
    case 'structValue':
      return fromStruct(value.structValue);
    case 'listValue':
      return (value.listValue?.values ?? []).map(fromValue);
    case 'nullValue':
      return null;
  }
  if (value.stringValue !== undefined && value.stringValue !== null) return value.stringValue;
  if (value.numberValue !== undefined && value.numberValue !== null) return value.numberValue;
  if (value.boolValue !== undefined && value.boolValue !== null) return value.boolValue;
  if (value.structValue) return fromStruct(value.structValue);
  if (value.listValue) return (value.listValue.values ?? []).map(fromValue);
  return null;
}

/** A plain object as a `google.protobuf.Struct` for writing. */
export function toStruct(object: Record<string, unknown>): { fields: Record<string, StructValue> } {
  const fields: Record<string, StructValue> = {};
  for (const [key, value] of Object.entries(object)) {
    if (value !== undefined) fields[key] = toValue(value);
  }
  return { fields };
}

function toValue(value: unknown): StructValue {
  if (value === null || value === undefined) return { nullValue: 'NULL_VALUE' };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'number')
    return Number.isFinite(value) ? { numberValue: value } : { stringValue: String(value) };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'bigint') return { stringValue: value.toString() };
  if (Array.isArray(value)) return { listValue: { values: value.map(toValue) } };
  if (value instanceof Date) return { stringValue: value.toISOString() };
  if (typeof value === 'object') return { structValue: toStruct(value as Record<string, unknown>) };
  return { stringValue: String(value) };
}

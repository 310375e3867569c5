import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** Plain JSON values as DynamoDB attributes (undefined fields are left out; null is NULL). */
export function marshal(value: unknown): AttributeValue {
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cannot store ${value} in DynamoDB`);
    return { N: String(value) };
  }
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(marshal) };
  if (typeof value === 'object') return { M: marshalItem(value as Record<string, unknown>) };
  throw new TypeError(`cannot store a ${typeof value} in DynamoDB`);
}

export function marshalItem(record: Record<string, unknown>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value !== undefined) out[key] = marshal(value);
  }
  return out;
}

export function unmarshal(attribute: AttributeValue): unknown {
  if (attribute.S !== undefined) return attribute.S;
  if (attribute.N !== undefined) return Number(attribute.N);
  if (attribute.BOOL !== undefined) return attribute.BOOL;
  if (attribute.NULL) return null;
  if (attribute.L) return attribute.L.map(unmarshal);
  if (attribute.M) return unmarshalItem(attribute.M);
  if (attribute.SS) return [...attribute.SS];
  throw new TypeError('unsupported DynamoDB attribute type');
}

export function unmarshalItem(item: Record<string, AttributeValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) out[key] = unmarshal(value);
  return out;
}

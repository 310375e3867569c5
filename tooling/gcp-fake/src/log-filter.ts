import { invalid } from './grpc-errors.js';

/*
 * The part of the Logging query language the taskport adapters send, and nothing more: a conjunction
 * (`AND`) of comparisons `path OP "string"` (OP one of = != >= <= > <), where a term may also be a
 * parenthesised disjunction (`OR`) of such comparisons. Paths: `resource.type`, `resource.labels.X`,
 * `labels."k"`, `logName`, `timestamp`, `severity`, `insertId`, `jsonPayload.X`. Anything else is refused
 * with INVALID_ARGUMENT naming what the fake does not implement, so an adapter cannot rely on it by accident.
 */

export interface Comparison {
  path: string[];
  op: '=' | '!=' | '>=' | '<=' | '>' | '<';
  value: string;
  /** For `timestamp` comparisons: the bound in nanoseconds, parsed once. */
  ns?: bigint;
}

/** A conjunction of disjunctions: every inner list must have one comparison that holds. */
export type ParsedFilter = Comparison[][];

type Token = { kind: 'word' | 'string' | 'op' | '(' | ')'; text: string };

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const ch = filter[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '"') {
      let text = '';
      i++;
      for (;;) {
        if (i >= filter.length) throw invalid(`filter: unterminated string in ${JSON.stringify(filter)}`);
        const c = filter[i]!;
        if (c === '\\') {
          const next = filter[i + 1];
          if (next === undefined) throw invalid('filter: dangling backslash');
          text += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          i += 2;
        } else if (c === '"') {
          i++;
          break;
        } else {
          text += c;
          i++;
        }
      }
      tokens.push({ kind: 'string', text });
    } else if (ch === '(' || ch === ')') {
      tokens.push({ kind: ch, text: ch });
      i++;
    } else if ('=!<>'.includes(ch)) {
      const two = filter.slice(i, i + 2);
      const op = ['!=', '>=', '<='].includes(two) ? two : ch;
      if (op === '!') throw invalid('filter: "!" must be followed by "="');
      tokens.push({ kind: 'op', text: op });
      i += op.length;
    } else if (ch === ':' || ch === '~') {
      throw invalid(`filter: the operator at "${filter.slice(i, i + 3)}" is not implemented by the fake`);
    } else {
      const match = /^[A-Za-z_]\w*(?:\.(?:\w+|"[^"]*"))*/.exec(filter.slice(i));
      if (!match) throw invalid(`filter: unexpected "${filter.slice(i, i + 10)}"`);
      tokens.push({ kind: 'word', text: match[0] });
      i += match[0].length;
    }
  }
  return tokens;
}

function splitPath(text: string): string[] {
  const parts: string[] = [];
  const pattern = /"([^"]*)"|([^."]+)/g;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) parts.push(match[1] ?? match[2]!);
  return parts;
}

export function parseFilter(filter: string): ParsedFilter {
  if (filter.trim() === '') return [];
  if (filter.length > 20_000) throw invalid('filter is longer than 20,000 characters');
  const tokens = tokenize(filter);
  let at = 0;
  const comparison = (): Comparison => {
    const path = tokens[at++];
    const op = tokens[at++];
    const value = tokens[at++];
    if (path?.kind !== 'word' || op?.kind !== 'op' || (value?.kind !== 'string' && value?.kind !== 'word')) {
      throw invalid(`filter: expected path OP "value" near token ${at}`);
    }
    if (value.kind === 'word' && path.text !== 'severity') {
      throw invalid(`filter: the value for ${path.text} must be a quoted string`);
    }
    const parsed: Comparison = {
      path: splitPath(path.text),
      op: op.text as Comparison['op'],
      value: value.text,
    };
    if (parsed.path.length === 1 && parsed.path[0] === 'timestamp') {
      const bound = Date.parse(value.text);
      if (Number.isNaN(bound)) throw invalid(`filter: timestamp "${value.text}" is not RFC 3339`);
      parsed.ns = BigInt(bound) * 1_000_000n + fractionNanosBeyondMs(value.text);
    }
    return parsed;
  };
  const result: ParsedFilter = [];
  for (;;) {
    if (tokens[at]?.kind === '(') {
      at++;
      const any: Comparison[] = [comparison()];
      while (tokens[at]?.kind === 'word' && tokens[at]!.text === 'OR') {
        at++;
        any.push(comparison());
      }
      if (tokens[at++]?.kind !== ')') throw invalid('filter: expected ")"');
      result.push(any);
    } else {
      result.push([comparison()]);
    }
    if (at >= tokens.length) return result;
    const joiner = tokens[at++];
    if (joiner?.kind !== 'word' || joiner.text !== 'AND') {
      throw invalid(`filter: only AND between terms is implemented by the fake (got "${joiner?.text}")`);
    }
  }
}

const SEVERITY_RANK = [
  'DEFAULT',
  'DEBUG',
  'INFO',
  'NOTICE',
  'WARNING',
  'ERROR',
  'CRITICAL',
  'ALERT',
  'EMERGENCY',
];

function compare(
  actual: string | undefined,
  op: Comparison['op'],
  expected: string,
  ordered?: (v: string) => number,
) {
  if (actual === undefined) return op === '!=';
  if (ordered) {
    const a = ordered(actual);
    const b = ordered(expected);
    return op === '='
      ? a === b
      : op === '!='
        ? a !== b
        : op === '>='
          ? a >= b
          : op === '<='
            ? a <= b
            : op === '>'
              ? a > b
              : a < b;
  }
  if (op === '=') return actual === expected;
  if (op === '!=') return actual !== expected;
  return op === '>='
    ? actual >= expected
    : op === '<='
      ? actual <= expected
      : op === '>'
        ? actual > expected
        : actual < expected;
}

/** Reads a field of a stored entry for the filter. */
export type FieldReader = (path: string[]) => string | undefined;

export function matches(filter: ParsedFilter, read: FieldReader, timestampNs: bigint): boolean {
  return filter.every((any) =>
    any.some((c) => {
      if (c.ns !== undefined) {
        const a = timestampNs;
        const b = c.ns;
        return c.op === '='
          ? a === b
          : c.op === '!='
            ? a !== b
            : c.op === '>='
              ? a >= b
              : c.op === '<='
                ? a <= b
                : c.op === '>'
                  ? a > b
                  : a < b;
      }
      if (c.path.length === 1 && c.path[0] === 'severity') {
        return compare(read(c.path), c.op, c.value.toUpperCase(), (v) => SEVERITY_RANK.indexOf(v));
      }
      return compare(read(c.path), c.op, c.value);
    }),
  );
}

/** Nanoseconds below the millisecond in an RFC 3339 time (`...05.123456789Z` -> 456789). */
function fractionNanosBeyondMs(value: string): bigint {
  const match = /\.(\d+)/.exec(value);
  if (!match) return 0n;
  const digits = `${match[1]}000000000`.slice(0, 9);
  return BigInt(digits.slice(3));
}

import { visibleLength } from './colour.js';

export interface TableOptions {
  /** Terminal width; when set, the last column is cut to fit. */
  width?: number;
}

/**
 * Aligned columns separated by two spaces, header first, like `docker ps` and `kubectl get`. Cells may
 * carry colour codes; alignment uses their visible width.
 */
export function renderTable(header: string[], rows: string[][], options: TableOptions = {}): string {
  const widths = header.map((h, i) =>
    Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))),
  );
  const lines = [header, ...rows].map((cells) => {
    const padded = cells.map((cell, i) => (i === cells.length - 1 ? cell : pad(cell, widths[i] ?? 0)));
    let line = padded.join('  ');
    if (options.width && visibleLength(line) > options.width) line = truncateLast(padded, options.width);
    return line.trimEnd();
  });
  return `${lines.join('\n')}\n`;
}

function pad(cell: string, width: number): string {
  return cell + ' '.repeat(Math.max(0, width - visibleLength(cell)));
}

function truncateLast(cells: string[], width: number): string {
  const head = cells.slice(0, -1).join('  ');
  const room = width - visibleLength(head) - 2;
  const last = cells.at(-1) ?? '';
  if (room < 4) return `${head}  ${last}`;
  return `${head}  ${visibleLength(last) > room ? `${last.slice(0, room - 1)}…` : last}`;
}

/** `key: value` lines with the values aligned, for `status` and `images show`. */
export function renderFields(fields: Array<[string, string | undefined]>): string {
  const shown = fields.filter((f): f is [string, string] => f[1] !== undefined && f[1] !== '');
  const width = Math.max(...shown.map(([k]) => k.length));
  return `${shown.map(([k, v]) => `${`${k}:`.padEnd(width + 1)}  ${v}`).join('\n')}\n`;
}

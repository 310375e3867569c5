import type { AnsiSegment } from './ansi.js';

/** A segment of a rendered row, marked when it is part of a search match. */
export interface MarkedSegment extends AnsiSegment {
  mark: boolean;
}

/**
 * Splits styled segments at the (case-insensitive) occurrences of `needle` in the row's plain text, so
 * matches can be wrapped in <mark> without losing their colours. Matches may span segments.
 */
export function highlight(segments: readonly AnsiSegment[], needle: string): MarkedSegment[] {
  if (!needle) return segments.map((s) => ({ ...s, mark: false }));
  const plain = segments.map((s) => s.text).join('');
  const lower = plain.toLowerCase();
  const query = needle.toLowerCase();
  const ranges: [number, number][] = [];
  for (let at = lower.indexOf(query); at !== -1; at = lower.indexOf(query, at + query.length)) {
    ranges.push([at, at + query.length]);
  }
  if (ranges.length === 0) return segments.map((s) => ({ ...s, mark: false }));
  const out: MarkedSegment[] = [];
  let offset = 0;
  let r = 0;
  for (const segment of segments) {
    const end = offset + segment.text.length;
    let pos = offset;
    while (pos < end) {
      while (r < ranges.length && (ranges[r] as [number, number])[1] <= pos) r++;
      const range = ranges[r];
      if (!range || range[0] >= end) {
        out.push({ text: segment.text.slice(pos - offset), style: segment.style, mark: false });
        pos = end;
      } else if (range[0] > pos) {
        out.push({
          text: segment.text.slice(pos - offset, range[0] - offset),
          style: segment.style,
          mark: false,
        });
        pos = range[0];
      } else {
        const stop = Math.min(range[1], end);
        out.push({ text: segment.text.slice(pos - offset, stop - offset), style: segment.style, mark: true });
        pos = stop;
      }
    }
    offset = end;
  }
  return out;
}

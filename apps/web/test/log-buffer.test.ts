import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../src/lib/api/types.js';
import { highlight } from '../src/lib/log/highlight.js';
import { LogBuffer } from '../src/lib/log/log-buffer.js';
import { virtualWindow } from '../src/lib/log/virtual-window.js';

const ESC = '\u001b';
const event = (n: number, message = `line ${n}`, stream: 'stdout' | 'stderr' = 'stdout'): LogEvent => ({
  timestamp: 1_700_000_000_000 + n,
  message,
  stream,
  eventId: `e${n}`,
});

describe('LogBuffer', () => {
  it('appends rows in order and drops events it has seen (a resume that sends one again)', () => {
    const buffer = new LogBuffer();
    expect(buffer.append([event(1), event(2)])).toBe(2);
    expect(buffer.append([event(2), event(3)])).toBe(1);
    expect(buffer.length).toBe(3);
    expect([0, 1, 2].map((i) => buffer.row(i)?.text)).toEqual(['line 1', 'line 2', 'line 3']);
    expect(buffer.version).toBe(2);
  });

  it('keeps the stream of each row and counts stderr rows', () => {
    const buffer = new LogBuffer();
    buffer.append([event(1), event(2, 'oops', 'stderr')]);
    expect(buffer.row(1)?.stream).toBe('stderr');
    expect(buffer.stderrRows).toBe(1);
  });

  it('splits a message with newlines into rows', () => {
    const buffer = new LogBuffer();
    buffer.append([event(1, 'a\nb\r\nc\n')]);
    expect([0, 1, 2].map((i) => buffer.row(i)?.text)).toEqual(['a', 'b', 'c']);
    expect(buffer.length).toBe(3);
  });

  it('carries an open colour to the next row of the same stream only', () => {
    const buffer = new LogBuffer();
    buffer.append([
      event(1, `${ESC}[31mred starts`),
      event(2, 'err', 'stderr'),
      event(3, `still red${ESC}[0m`),
      event(4),
    ]);
    expect(buffer.row(1)?.startStyle).toEqual({});
    expect(buffer.row(2)?.startStyle).toEqual({ fg: 1 });
    expect(buffer.row(3)?.startStyle).toEqual({});
  });

  it('searches the plain text, case-insensitively, ignoring escape sequences', () => {
    const buffer = new LogBuffer();
    buffer.append([event(1, `${ESC}[1mERROR${ESC}[0m: disk`), event(2, 'fine'), event(3, 'an error')]);
    expect(buffer.search('error')).toEqual([0, 2]);
    expect(buffer.search('1m')).toEqual([]);
    expect(buffer.search('')).toEqual([]);
  });

  it('bounds memory: past maxRows the oldest tenth is dropped and line numbers go on', () => {
    const buffer = new LogBuffer({ maxRows: 100 });
    buffer.append(Array.from({ length: 101 }, (_, i) => event(i + 1)));
    // Down to 90% of the bound, so the next appends do not trim again at once.
    expect(buffer.length).toBe(90);
    expect(buffer.dropped).toBe(11);
    expect(buffer.row(0)?.text).toBe('line 12');
    // A dropped event is forgotten, so the set of seen ids stays bounded too.
    expect(buffer.has('e11')).toBe(false);
    expect(buffer.has('e12')).toBe(true);
  });
});

describe('virtualWindow', () => {
  it('renders the rows in view plus the overscan, whatever the length', () => {
    expect(virtualWindow(0, 180, 18, 100_000, 20)).toEqual({ start: 0, end: 31, offset: 0 });
    const middle = virtualWindow(900_000, 180, 18, 100_000, 20);
    expect(middle.start).toBe(50_000 - 20);
    expect(middle.end - middle.start).toBe(51);
    expect(middle.offset).toBe(middle.start * 18);
  });

  it('clamps at the end and handles an empty log', () => {
    expect(virtualWindow(10_000_000, 180, 18, 100, 20)).toEqual({ start: 99, end: 100, offset: 99 * 18 });
    expect(virtualWindow(0, 180, 18, 0)).toEqual({ start: 0, end: 0, offset: 0 });
  });
});

describe('highlight', () => {
  it('marks matches across styled segments, keeping their styles', () => {
    const red = { fg: 1 };
    const marked = highlight(
      [
        { text: 'an Err', style: {} },
        { text: 'or here error', style: red },
      ],
      'error',
    );
    expect(marked).toEqual([
      { text: 'an ', style: {}, mark: false },
      { text: 'Err', style: {}, mark: true },
      { text: 'or', style: red, mark: true },
      { text: ' here ', style: red, mark: false },
      { text: 'error', style: red, mark: true },
    ]);
  });

  it('returns the segments unmarked without a query or a match', () => {
    expect(highlight([{ text: 'abc', style: {} }], '')).toEqual([{ text: 'abc', style: {}, mark: false }]);
    expect(highlight([{ text: 'abc', style: {} }], 'x')).toEqual([{ text: 'abc', style: {}, mark: false }]);
  });
});

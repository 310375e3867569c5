import { describe, expect, it } from 'vitest';
import { keyOfMs, LogFrameSplitter, LogLineAssembler, parseEngineTimestamp } from '../src/log-frames.js';

function frame(stream: 1 | 2, payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

describe('LogFrameSplitter', () => {
  it('splits frames cut anywhere by the socket, one byte at a time included', () => {
    const out = '2026-12-01T22:18:26.3879Z out\n';
    const err = '2026-12-01T22:18:26.388Z err\n';
    const stream = Buffer.concat([frame(1, out), frame(2, err), frame(1, Buffer.from([0xe2, 0x9c]))]);
    for (const size of [1, 3, 7, stream.length]) {
      const splitter = new LogFrameSplitter();
      const frames = [];
      for (let at = 0; at < stream.length; at += size)
        frames.push(...splitter.push(stream.subarray(at, at + size)));
      expect(frames.map((f) => [f.stream, f.payload.length])).toEqual([
        ['stdout', out.length],
        ['stderr', err.length],
        ['stdout', 2],
      ]);
      expect(splitter.pendingBytes).toBe(0);
    }
  });
});

describe('LogLineAssembler', () => {
  it('joins the parts of a long line (same timestamp) and keeps a last line without newline', () => {
    const assembler = new LogLineAssembler();
    const ts = '2026-12-01T22:18:26.388342912Z';
    const lines = [
      ...assembler.push({ stream: 'stdout', payload: Buffer.from(`${ts} aaaa`) }),
      ...assembler.push({ stream: 'stderr', payload: Buffer.from('2026-12-01T22:18:26.5Z between\n') }),
      ...assembler.push({ stream: 'stdout', payload: Buffer.from(`${ts} bbbb\n`) }),
      ...assembler.push({ stream: 'stdout', payload: Buffer.from('2026-12-01T22:18:27Z tail') }),
      ...assembler.flush(),
    ];
    expect(lines.map((line) => [line.stream, line.message])).toEqual([
      ['stderr', 'between'],
      ['stdout', 'aaaabbbb'],
      ['stdout', 'tail'],
    ]);
    expect(lines[1]!.key).toBe(parseEngineTimestamp(ts)!.key);
  });

  it('keeps \\r and empty lines, and refuses frames without a timestamp', () => {
    const assembler = new LogLineAssembler();
    expect(
      assembler.push({ stream: 'stdout', payload: Buffer.from('2026-12-01T22:18:26Z a\r\n') })[0]!.message,
    ).toBe('a\r');
    expect(
      assembler.push({ stream: 'stdout', payload: Buffer.from('2026-12-01T22:18:26Z \n') })[0]!.message,
    ).toBe('');
    expect(() => assembler.push({ stream: 'stdout', payload: Buffer.from('no timestamp\n') })).toThrow(
      /timestamp/,
    );
  });
});

describe('parseEngineTimestamp', () => {
  it('reads nanoseconds, trimmed fractions and offsets into sortable keys and Unix ms', () => {
    const a = parseEngineTimestamp('2026-12-01T22:18:26.387902656Z')!;
    const b = parseEngineTimestamp('2026-12-01T22:18:26.3879027Z')!;
    const c = parseEngineTimestamp('2026-12-01T23:18:26+01:00')!;
    expect(a.timestamp).toBe(Date.parse('2026-12-01T22:18:26.387Z'));
    expect(a.key < b.key).toBe(true);
    expect(c.timestamp).toBe(Date.parse('2026-12-01T22:18:26Z'));
    expect(keyOfMs(a.timestamp) <= a.key).toBe(true);
    expect(parseEngineTimestamp('yesterday')).toBeUndefined();
  });
});

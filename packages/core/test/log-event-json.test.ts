import { describe, expect, it } from 'vitest';
import { type LogEvent, logEventBytes, logEventFromJson, logEventJson } from '../src/index.js';

describe('logEventJson', () => {
  it('is the text alone when the text plus a newline is the exact output', () => {
    const event: LogEvent = { timestamp: 1, message: 'plain', stream: 'stdout', eventId: 'e1' };
    expect(logEventJson(event)).toEqual({ timestamp: 1, stream: 'stdout', message: 'plain', eventId: 'e1' });
    expect(logEventFromJson(logEventJson(event))).toEqual(event);
  });

  it('carries the exact bytes in base64 otherwise, and they come back byte for byte', () => {
    const raw = new Uint8Array([0xff, 0xfe, 0x41, 0x0d, 0x0a, 0x00, 0x80]);
    const event: LogEvent = { timestamp: 2, message: '\ufffd\ufffdA', stream: 'stderr', eventId: 'e2', raw };
    const json = logEventJson(event);
    expect(json).toMatchObject({ bytes: Buffer.from(raw).toString('base64'), encoding: 'base64' });
    const back = logEventFromJson(JSON.parse(JSON.stringify(json)));
    expect(Buffer.from(logEventBytes(back) as Uint8Array).equals(Buffer.from(raw))).toBe(true);
    expect(back.stream).toBe('stderr');
  });

  it('a stream-less event is stdout on the wire', () => {
    expect(logEventJson({ timestamp: 3, message: 'x', eventId: 'e3' }).stream).toBe('stdout');
  });
});

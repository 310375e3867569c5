import { describe, expect, it } from 'vitest';
import { SseParser } from '../src/lib/api/sse-parser.js';

describe('SseParser', () => {
  it('parses events with ids, types and multi-line data', () => {
    const parser = new SseParser();
    const out = parser.feed(
      'retry: 1000\n\nid: 1.a\nevent: log\ndata: {"a":1}\n\nid: end\nevent: end\ndata: x\ndata: y\n\n',
    );
    expect(out).toEqual([
      { event: 'log', data: '{"a":1}', id: '1.a', retry: undefined },
      { event: 'end', data: 'x\ny', id: 'end', retry: undefined },
    ]);
  });

  it('reassembles events cut anywhere, including between CR and LF', () => {
    const text = 'id: 7\r\nevent: log\r\ndata: hello\r\n\r\n: ping\r\n\r\ndata: two\r\n\r\n';
    for (let cut = 1; cut < text.length; cut++) {
      const parser = new SseParser();
      const out = [...parser.feed(text.slice(0, cut)), ...parser.feed(text.slice(cut))];
      expect(out.map((m) => [m.event, m.data, m.id])).toEqual([
        ['log', 'hello', '7'],
        ['message', 'two', '7'],
      ]);
    }
  });

  it('does not dispatch an event whose blank line never came (a cut connection)', () => {
    const parser = new SseParser();
    expect(parser.feed('id: 1\nevent: log\ndata: {"half')).toEqual([]);
  });

  it('ignores comments and unknown fields and reads retry', () => {
    const parser = new SseParser();
    expect(parser.feed(': ping\nfoo: bar\nretry: 2500\ndata\n\n')).toEqual([
      { event: 'message', data: '', id: undefined, retry: 2500 },
    ]);
  });
});

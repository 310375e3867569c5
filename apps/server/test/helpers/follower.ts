import { parseSseBlock } from './harness.js';

/**
 * A log follower as a robust client writes one: it reads the SSE stream, and whenever the connection
 * drops before `event: end` it reconnects with Last-Event-ID (retrying while the server is down).
 */
export async function followToEnd(
  url: string,
  key: string,
  options: { deadline: number; onLine?: (message: string) => void },
): Promise<{ lines: string[]; reconnects: number; ended: boolean }> {
  const lines: string[] = [];
  let lastId: string | undefined;
  let reconnects = -1;
  while (Date.now() < options.deadline) {
    reconnects++;
    try {
      const response = await fetch(url, {
        headers: {
          accept: 'text/event-stream',
          authorization: `Bearer ${key}`,
          ...(lastId ? { 'last-event-id': lastId } : {}),
        },
      });
      if (response.status === 204) return { lines, reconnects, ended: true };
      if (response.status !== 200 || !response.body) throw new Error(`status ${response.status}`);
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        for (let at = buffer.indexOf('\n\n'); at !== -1; at = buffer.indexOf('\n\n')) {
          const message = parseSseBlock(buffer.slice(0, at));
          buffer = buffer.slice(at + 2);
          if (!message) continue;
          if (message.event === 'end') return { lines, reconnects, ended: true };
          if (message.event === 'log') {
            const text = (JSON.parse(message.data) as { message: string }).message;
            lines.push(text);
            options.onLine?.(text);
          }
          if (message.id) lastId = message.id;
        }
      }
    } catch {
      // connection refused or reset: the server is away; try again shortly
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { lines, reconnects, ended: false };
}

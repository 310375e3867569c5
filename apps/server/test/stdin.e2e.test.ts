import { createHash, randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../dist/index.js';
import { Harness } from './helpers/harness.js';

/**
 * POST /executions/:id/stdin against a real server over the local provider: the body reaches the
 * task's stdin as it is sent (not after), byte for byte, then EOF; the owner rule and the state rules
 * hold before anything reaches the executor.
 */
let h: Harness;
beforeAll(async () => {
  h = await Harness.start();
});
afterAll(async () => {
  await h?.close();
});

/** POST a body to an execution's stdin; `body` may be a stream that is still being written. */
async function sendStdin(
  id: string,
  body: string | Uint8Array | ReadableStream<Uint8Array> | null,
  options: { key?: string; contentType?: string } = {},
): Promise<{ status: number; body: { error?: { code: string; message: string } } | null }> {
  const response = await fetch(`${h.url}/api/v1/executions/${encodeURIComponent(id)}/stdin`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${options.key ?? h.keys.admin}`,
      'content-type': options.contentType ?? 'application/octet-stream',
    },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** A request body that stays open until `end()`: what the client has not sent yet, the server cannot read. */
function openBody(): { body: ReadableStream<Uint8Array>; write(text: string): void; end(): void } {
  let writer!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      writer = controller;
    },
  });
  return {
    body,
    write: (text) => writer.enqueue(new TextEncoder().encode(text)),
    end: () => writer.close(),
  };
}

async function stdoutOf(id: string): Promise<string[]> {
  const logs = await h.call<{ events: { message: string; stream: string }[] }>(
    'GET',
    `/api/v1/executions/${id}/logs`,
  );
  return logs.body.events.filter((e) => e.stream === 'stdout').map((e) => e.message);
}

describe('POST /executions/{id}/stdin', () => {
  it('copies the body byte for byte to an interactive task and then closes its stdin (204)', async () => {
    const input = randomBytes(300 * 1024);
    const id = await h.run(['sh', '-c', 'sha256sum; echo after-eof'], h.keys.admin, { interactive: true });
    const sent = await sendStdin(id, input);
    expect(sent.status).toBe(204);
    expect(await h.waitDone(id)).toMatchObject({ status: 'SUCCEEDED', exitCode: 0 });
    const digest = createHash('sha256').update(input).digest('hex');
    expect(await stdoutOf(id)).toEqual([`${digest}  -`, 'after-eof']);
  });

  it('streams: the task reads the first line while the request body is still open', async () => {
    const id = await h.run(['sh', '-c', 'read a; echo "got $a"; read b; echo "got $b"'], h.keys.admin, {
      interactive: true,
    });
    const open = openBody();
    const sent = sendStdin(id, open.body);
    open.write('first\n');
    for (let i = 0; i < 200 && !(await stdoutOf(id)).includes('got first'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await stdoutOf(id)).toEqual(['got first']);
    open.write('second\n');
    open.end();
    expect((await sent).status).toBe(204);
    expect(await h.waitDone(id)).toMatchObject({ status: 'SUCCEEDED' });
    expect(await stdoutOf(id)).toEqual(['got first', 'got second']);
  });

  it('a task that ends while the client still holds its body open is answered 204 at once', async () => {
    const id = await h.run(['sh', '-c', 'read a; echo "only $a"'], h.keys.admin, { interactive: true });
    const open = openBody();
    const sent = sendStdin(id, open.body);
    open.write('one\n');
    // Nothing more is written and the body is never closed: the task's end alone must answer.
    expect((await sent).status).toBe(204);
    expect(await h.waitDone(id)).toMatchObject({ status: 'SUCCEEDED' });
    expect(await stdoutOf(id)).toEqual(['only one']);
  });

  it('an empty POST is an empty input: the task reads EOF at once', async () => {
    const id = await h.run(['sh', '-c', 'cat; echo eof'], h.keys.admin, { interactive: true });
    expect((await sendStdin(id, null)).status).toBe(204);
    await h.waitDone(id);
    expect(await stdoutOf(id)).toEqual(['eof']);
  });

  it('refuses a second input, a task not started interactive and a finished one (409)', async () => {
    const once = await h.run(['sh', '-c', 'cat >/dev/null; sleep 2'], h.keys.admin, { interactive: true });
    expect((await sendStdin(once, 'x')).status).toBe(204);
    const again = await sendStdin(once, 'y');
    expect(again.status).toBe(409);
    expect(again.body?.error?.code).toBe('CONFLICT');

    const plain = await h.run(['sleep', '5']);
    const notInteractive = await sendStdin(plain, 'x');
    expect(notInteractive.status).toBe(409);
    expect(notInteractive.body?.error?.message).toMatch(/interactive/);
    await h.call('DELETE', `/api/v1/executions/${plain}?gracePeriodSeconds=0`);

    const done = await h.run('true', h.keys.admin, { interactive: true });
    await sendStdin(done, null);
    await h.waitDone(done);
    const finished = await sendStdin(done, 'late');
    expect(finished.status).toBe(409);
    expect(finished.body?.error?.message).toMatch(/finished/);
  });

  it("a developer may send input only to its own executions; a viewer to none; the other's task gets nothing", async () => {
    const theirs = await h.run(['sh', '-c', 'cat; echo end'], h.keys.developer2, { interactive: true });
    const forbidden = await sendStdin(theirs, 'intruder\n', { key: h.keys.developer });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body?.error?.message).toMatch(/may only send input to its own executions/);
    expect((await sendStdin(theirs, 'x', { key: h.keys.viewer })).status).toBe(403);
    expect((await sendStdin(theirs, 'own\n', { key: h.keys.developer2 })).status).toBe(204);
    await h.waitDone(theirs);
    expect(await stdoutOf(theirs)).toEqual(['own', 'end']);
  });

  it('input that is not application/octet-stream is refused with what to send (400), and the task keeps waiting', async () => {
    const id = await h.run(['sh', '-c', 'cat; echo end'], h.keys.admin, { interactive: true });
    const json = await sendStdin(id, JSON.stringify({ text: 'hello' }), { contentType: 'application/json' });
    expect(json.status).toBe(400);
    expect(json.body?.error?.message).toMatch(/send the input as application\/octet-stream/);
    const png = await sendStdin(id, 'x', { contentType: 'image/png' });
    expect(png.status).toBe(415);
    expect(png.body?.error?.code).toBe('VALIDATION');
    expect((await sendStdin(id, 'later\n')).status).toBe(204);
    await h.waitDone(id);
    expect(await stdoutOf(id)).toEqual(['later', 'end']);
  });

  it('a server shutting down ends an open input: the task reads EOF and the server stops', async () => {
    const own = await Harness.start();
    try {
      const id = await own.run(['sh', '-c', 'cat; echo eof-after-shutdown'], own.keys.admin, {
        interactive: true,
      });
      const open = openBody();
      const sent = fetch(`${own.url}/api/v1/executions/${id}/stdin`, {
        method: 'POST',
        headers: { authorization: `Bearer ${own.keys.admin}`, 'content-type': 'application/octet-stream' },
        body: open.body,
        duplex: 'half',
      } as RequestInit).catch((error: unknown) => error);
      open.write('partial\n');
      const logs = async () =>
        (
          await own.call<{ events: { message: string }[] }>('GET', `/api/v1/executions/${id}/logs`)
        ).body.events.map((e) => e.message);
      for (let i = 0; i < 200 && !(await logs()).includes('partial'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await logs()).toEqual(['partial']);
      await own.server.close();
      const answer = await sent;
      // Answered 503 with why, or cut off by the closing server: either way not a success, and not hanging.
      if (answer instanceof Response) expect(answer.status).toBe(503);
      // The task outlives the server (it is supervised locally): it got EOF and finished on its own, as a
      // server started again over the same data directory shows.
      const again = await startServer({ listen: '127.0.0.1:0', env: own.env, cwd: own.root });
      try {
        let lines: string[] = [];
        for (let i = 0; i < 200 && !lines.includes('eof-after-shutdown'); i++) {
          if (i > 0) await new Promise((resolve) => setTimeout(resolve, 50));
          const response = await fetch(`${again.url}/api/v1/executions/${id}/logs`, {
            headers: { authorization: `Bearer ${own.keys.admin}` },
          });
          lines = ((await response.json()) as { events: { message: string }[] }).events.map((e) => e.message);
        }
        expect(lines).toEqual(['partial', 'eof-after-shutdown']);
      } finally {
        await again.close();
      }
    } finally {
      // Closing is idempotent: this stops the server also when the test failed before its own close.
      await own.server.close();
      await rm(own.root, { recursive: true, force: true });
    }
  });

  it('an unknown execution is 404', async () => {
    const unknown = await sendStdin('no-such-execution', 'x');
    expect(unknown.status).toBe(404);
  });
});

import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Harness, readSse } from './helpers/harness.js';

interface ExecutionBody {
  executionId: string;
  status: string;
  exitCode: number | null;
  createdBy: string;
  labels: Record<string, string>;
  envKeys: string[];
}

let h: Harness;
beforeAll(async () => {
  h = await Harness.start();
});
afterAll(async () => {
  await h?.close();
});

describe('runs over HTTP with the local provider', () => {
  it('POST /run starts a task (202), wait returns its exit code, logs return its lines in order', async () => {
    const run = await h.call<{ execution: ExecutionBody; reused: boolean }>('POST', '/api/v1/run', {
      body: {
        command: ['sh', '-c', 'echo one; echo two >&2; exit 3'],
        env: { MODE: 'x' },
        secrets: { TOKEN: 's3cr3t' },
      },
    });
    expect(run.status).toBe(202);
    expect(run.headers.get('location')).toBe(`/api/v1/executions/${run.body.execution.executionId}`);
    expect(run.body.reused).toBe(false);
    expect(run.body.execution.createdBy).toBe('admin@example.com');
    expect(JSON.stringify(run.body)).not.toContain('s3cr3t');
    const final = await h.waitDone(run.body.execution.executionId);
    expect(final).toMatchObject({ status: 'FAILED', exitCode: 3 });
    const logs = await h.call<{ events: { message: string; stream: string }[]; nextCursor: string | null }>(
      'GET',
      `/api/v1/executions/${run.body.execution.executionId}/logs`,
    );
    expect(logs.body.events.map((e) => [e.stream, e.message])).toEqual([
      ['stdout', 'one'],
      ['stderr', 'two'],
    ]);
    expect(logs.body.nextCursor).toBeNull();
  });

  it('the same Idempotency-Key returns the first execution and starts nothing; keys are per user', async () => {
    const key = `k${Date.now()}`;
    const first = await h.call<{ execution: ExecutionBody; reused: boolean }>('POST', '/api/v1/run', {
      body: { command: 'true' },
      headers: { 'idempotency-key': key },
    });
    const again = await h.call<{ execution: ExecutionBody; reused: boolean }>('POST', '/api/v1/run', {
      body: { command: 'true' },
      headers: { 'idempotency-key': key },
    });
    expect(again.status).toBe(202);
    expect(again.body.reused).toBe(true);
    expect(again.body.execution.executionId).toBe(first.body.execution.executionId);
    // Keys are per user: another user's same key starts its own execution, never answered with ours.
    const other = await h.call<{ execution: ExecutionBody; reused: boolean }>('POST', '/api/v1/run', {
      key: h.keys.developer,
      body: { command: 'true' },
      headers: { 'idempotency-key': key },
    });
    expect(other.status).toBe(202);
    expect(other.body.reused).toBe(false);
    expect(other.body.execution.executionId).not.toBe(first.body.execution.executionId);
    expect(other.body.execution.createdBy).toBe('developer@example.com');
    // The same key for a different request is refused.
    const changed = await h.call<{ error: { code: string } }>('POST', '/api/v1/run', {
      body: { command: 'false' },
      headers: { 'idempotency-key': key },
    });
    expect(changed.status).toBe(409);
    expect(changed.body.error.code).toBe('CONFLICT');
  });

  it('DELETE kills a running task; a second kill says it had already finished', async () => {
    const id = await h.run(['sleep', '30']);
    const kill = await h.call<{ execution: ExecutionBody; alreadyFinished: boolean }>(
      'DELETE',
      `/api/v1/executions/${id}`,
    );
    expect(kill.status).toBe(200);
    expect(kill.body.alreadyFinished).toBe(false);
    expect((await h.waitDone(id)).status).toBe('STOPPED');
    const again = await h.call<{ alreadyFinished: boolean }>('DELETE', `/api/v1/executions/${id}`);
    expect(again.body.alreadyFinished).toBe(true);
  });

  it('DELETE takes the first signal and the grace; a bad one is a 400 and stops nothing', async () => {
    const id = await h.run(['sh', '-c', 'trap "exit 9" INT; echo ready; while :; do sleep 0.1; done']);
    // Its trap is set once it has printed.
    for (;;) {
      const logs = await h.call<{ events: { message: string }[] }>('GET', `/api/v1/executions/${id}/logs`);
      if (logs.body.events?.some((event) => event.message === 'ready')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const bad = await h.call<{ error: { code: string; message: string } }>(
      'DELETE',
      `/api/v1/executions/${id}?signal=SIGSTOP`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/unknown stop signal "SIGSTOP"/);
    const kill = await h.call('DELETE', `/api/v1/executions/${id}?signal=INT&gracePeriodSeconds=5`);
    expect(kill.status).toBe(200);
    expect(await h.waitDone(id)).toMatchObject({ status: 'STOPPED', exitCode: 9 });
  });

  it('POST /run starts the command in workingDir and the execution says so', async () => {
    const started = await h.call<{ execution: ExecutionBody & { workingDir: string | null } }>(
      'POST',
      '/api/v1/run',
      {
        body: { command: ['pwd'], workingDir: '/usr' },
      },
    );
    expect(started.status).toBe(202);
    expect(started.body.execution.workingDir).toBe('/usr');
    const relative = await h.call('POST', '/api/v1/run', { body: { command: ['pwd'], workingDir: 'usr' } });
    expect(relative.status).toBe(400);
  });

  it('GET /executions pages with a cursor and filters by status and label', async () => {
    const tag = `t${Date.now()}`;
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await h.run('true', h.keys.admin, { labels: { batch: tag } }));
    await h.run('true', h.keys.admin, { labels: { batch: 'other' } });
    for (const id of ids) await h.waitDone(id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/api/v1/executions?limit=2&label=batch%3D${tag}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page: { status: number; body: { executions: ExecutionBody[]; nextCursor: string | null } } =
        await h.call('GET', query);
      expect(page.status).toBe(200);
      seen.push(...page.body.executions.map((e) => e.executionId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    const failed = await h.call<{ executions: ExecutionBody[] }>(
      'GET',
      '/api/v1/executions?status=failed&limit=100',
    );
    expect(failed.body.executions.every((e) => e.status === 'FAILED')).toBe(true);
    const bad = await h.call<{ error: { code: string } }>('GET', '/api/v1/executions?status=NOPE');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION');
  });

  it('SSE streams a live run to its end and resumes after Last-Event-ID with no gap and no repeat', async () => {
    const id = await h.run(['sh', '-c', 'for i in 1 2 3 4 5 6; do echo line-$i; sleep 0.1; done']);
    const auth = { authorization: `Bearer ${h.keys.admin}` };
    const url = `${h.url}/api/v1/executions/${id}/logs`;
    const first = await readSse(url, auth, { until: (m) => m.data.includes('line-3') });
    expect(first.status).toBe(200);
    const lastId = first.messages.at(-1)?.id as string;
    const rest = await readSse(url, { ...auth, 'last-event-id': lastId });
    const lines = [...first.messages, ...rest.messages]
      .filter((m) => m.event === 'log')
      .map((m) => JSON.parse(m.data).message);
    expect(lines).toEqual(['line-1', 'line-2', 'line-3', 'line-4', 'line-5', 'line-6']);
    const end = rest.messages.at(-1);
    expect(end?.event).toBe('end');
    expect(end?.id).toBe('end');
    expect(JSON.parse(end?.data ?? '{}').status).toBe('SUCCEEDED');
    const after = await readSse(url, { ...auth, 'last-event-id': 'end' });
    expect(after.status).toBe(204);
  });

  it('the JSON logs page resumes after a cursor', async () => {
    const id = await h.run(['sh', '-c', 'for i in 1 2 3 4 5; do echo n$i; done']);
    await h.waitDone(id);
    const page1 = await h.call<{ events: { message: string }[]; nextCursor: string }>(
      'GET',
      `/api/v1/executions/${id}/logs?limit=2`,
    );
    expect(page1.body.events.map((e) => e.message)).toEqual(['n1', 'n2']);
    const page2 = await h.call<{ events: { message: string }[]; nextCursor: string | null }>(
      'GET',
      `/api/v1/executions/${id}/logs?after=${encodeURIComponent(page1.body.nextCursor)}`,
    );
    expect(page2.body.events.map((e) => e.message)).toEqual(['n3', 'n4', 'n5']);
    expect(page2.body.nextCursor).toBeNull();
  });

  it('the WebSocket endpoint streams every line and then the final execution', async () => {
    const id = await h.run(['sh', '-c', 'echo a; sleep 0.2; echo b']);
    const socket = new WebSocket(`${h.url.replace('http', 'ws')}/api/v1/executions/${id}/logs/ws`, [
      'taskport',
      `key.${h.keys.admin}`,
    ]);
    const messages: { type: string; event?: { message: string }; execution?: { status: string } }[] = [];
    const code = await new Promise<number>((resolve, reject) => {
      socket.on('message', (data) => messages.push(JSON.parse(String(data))));
      socket.on('close', (c) => resolve(c));
      socket.on('error', reject);
    });
    expect(code).toBe(1000);
    expect(messages.filter((m) => m.type === 'log').map((m) => m.event?.message)).toEqual(['a', 'b']);
    expect(messages.at(-1)).toMatchObject({ type: 'end', execution: { status: 'SUCCEEDED' } });
  });
});

describe('images', () => {
  it('registers an ImageConfig (201), accepts the legacy body, shows, sets the default and removes', async () => {
    const config = await h.call<{ imageId: string; cpu: number; registeredBy: string }>(
      'POST',
      '/api/v1/images',
      {
        body: {
          image: 'ghcr.io/acme/etl:2.1',
          resources: { cpu: 1024, memory: 2048 },
          runtime: { platform: 'arm64' },
        },
      },
    );
    expect(config.status).toBe(201);
    expect(config.body).toMatchObject({ cpu: 1024, registeredBy: 'admin@example.com' });
    const legacy = await h.call<{ imageId: string; memory: number; platform: string; isDefault: boolean }>(
      'POST',
      '/api/v1/images/register',
      { body: { image: 'quay.io/acme/etl:2.1', cpu: 512, memory: 1024, runtime_platform: 'Linux/ARM64' } },
    );
    expect(legacy.status).toBe(201);
    expect(legacy.body).toMatchObject({ memory: 1024, platform: 'linux/arm64' });
    const same = await h.call<{ imageId: string }>('POST', '/api/v1/images', {
      body: {
        image: 'ghcr.io/acme/etl:2.1',
        resources: { cpu: 1024, memory: 2048 },
        runtime: { platform: 'linux/arm64' },
      },
    });
    expect(same.body.imageId).toBe(config.body.imageId);
    const shown = await h.call<{ imageId: string }>(
      'GET',
      `/api/v1/images/${encodeURIComponent('ghcr.io/acme/etl:2.1')}`,
    );
    expect(shown.body.imageId).toBe(config.body.imageId);
    const set = await h.call<{ isDefault: boolean }>('PUT', '/api/v1/images/default', {
      body: { ref: legacy.body.imageId },
    });
    expect(set.body.isDefault).toBe(true);
    const current = await h.call<{ image: { imageId: string } }>('GET', '/api/v1/images/default');
    expect(current.body.image.imageId).toBe(legacy.body.imageId);
    const list = await h.call<{ images: { imageId: string }[] }>('GET', '/api/v1/images');
    expect(list.body.images.map((i) => i.imageId)).toEqual(
      expect.arrayContaining([config.body.imageId, legacy.body.imageId]),
    );
    expect((await h.call('DELETE', `/api/v1/images/${encodeURIComponent(config.body.imageId)}`)).status).toBe(
      204,
    );
    expect((await h.call('GET', `/api/v1/images/${encodeURIComponent(config.body.imageId)}`)).status).toBe(
      404,
    );
  });

  it('a bad cpu or platform is a 400 VALIDATION error naming the field', async () => {
    const r = await h.call<{ error: { code: string; message: string } }>('POST', '/api/v1/images', {
      body: { image: 'alpine:3', runtime: { platform: 'windows/386' } },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION');
    expect(r.body.error.message).toMatch(/platform/);
  });
});

describe('requests, errors, health, metrics', () => {
  it('keeps a well-formed X-Request-Id, carries it into the Service, and trace finds the execution', async () => {
    const requestId = `test-${Date.now()}`;
    const run = await h.call<{ requestId: string; execution: ExecutionBody }>('POST', '/api/v1/run', {
      body: { command: 'true' },
      headers: { 'x-request-id': requestId },
    });
    expect(run.headers.get('x-request-id')).toBe(requestId);
    expect(run.body.requestId).toBe(requestId);
    const trace = await h.call<{ executions: ExecutionBody[]; logs: { message: string }[] }>(
      'GET',
      `/api/v1/trace/${requestId}`,
    );
    expect(trace.body.executions.map((e) => e.executionId)).toEqual([run.body.execution.executionId]);
    expect(trace.body.logs.some((l) => l.message.includes('runCommand'))).toBe(true);
    const generated = await h.call('GET', '/api/v1/health', {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(generated.headers.get('x-request-id')).toMatch(/^req-/);
  });

  it('error bodies are { error: { code, message, requestId } }: 400, 401, 404', async () => {
    const bad = await h.call<{ error: Record<string, string> }>('POST', '/api/v1/run', {
      body: { command: '' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION', requestId: bad.headers.get('x-request-id') });
    const unknownField = await h.call<{ error: Record<string, string> }>('POST', '/api/v1/run', {
      body: { command: 'true', nope: 1 },
    });
    expect(unknownField.status).toBe(400);
    const none = await h.call<{ error: Record<string, string> }>('GET', '/api/v1/executions', { key: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    const viaHeader = await h.call('GET', '/api/v1/executions', {
      key: null,
      headers: { 'x-api-key': h.keys.viewer },
    });
    expect(viaHeader.status).toBe(200);
    const missing = await h.call<{ error: Record<string, string> }>('GET', '/api/v1/executions/loc-nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
  });

  it('health needs no key; readiness checks the stores; metrics count requests and runs', async () => {
    expect((await h.call('GET', '/api/v1/health', { key: null })).body).toEqual({ status: 'ok' });
    const ready = await h.call<{ status: string; checks: Record<string, { ok: boolean }> }>(
      'GET',
      '/api/v1/health/ready',
      {
        key: null,
      },
    );
    expect(ready.status).toBe(200);
    expect(Object.values(ready.body.checks).every((c) => c.ok)).toBe(true);
    const id = await h.run('true');
    await h.waitDone(id);
    const metrics = await h.call<string>('GET', '/metrics');
    expect(metrics.body).toMatch(
      /taskport_http_requests_total\{method="POST",route="\/api\/v1\/run",status="202"\} \d+/,
    );
    expect(metrics.body).toMatch(/taskport_runs_started_total \d+/);
    expect(metrics.body).toMatch(/taskport_runs_finished_total\{status="SUCCEEDED"\} \d+/);
    expect(metrics.body).toMatch(/taskport_http_request_duration_seconds_bucket/);
    expect((await h.call('GET', '/metrics', { key: h.keys.developer })).status).toBe(403);
  });

  it('POST /reconcile reports what it checked', async () => {
    const r = await h.call<{ checked: number; changed: unknown[] }>('POST', '/api/v1/reconcile');
    expect(r.status).toBe(200);
    expect(r.body.checked).toBeGreaterThanOrEqual(0);
  });

  it('users: create shows the key once, list never shows keys, a revoked key or user is 401', async () => {
    const created = await h.call<{ apiKey: string; keyId: string }>('POST', '/api/v1/users', {
      body: { email: 'temp@example.com', role: 'viewer' },
    });
    expect(created.status).toBe(201);
    expect(created.body.apiKey).toMatch(/^tpk_/);
    const list = await h.call<{ users: { email: string }[] }>('GET', '/api/v1/users');
    expect(JSON.stringify(list.body)).not.toContain(created.body.apiKey);
    expect(list.body.users.map((u) => u.email)).toContain('temp@example.com');
    const me = await h.call<{ email: string; role: string }>('GET', '/api/v1/users/me', {
      key: created.body.apiKey,
    });
    expect(me.body).toMatchObject({ email: 'temp@example.com', role: 'viewer' });
    const second = await h.call<{ apiKey: string; keyId: string }>(
      'POST',
      '/api/v1/users/temp@example.com/keys',
    );
    expect((await h.call('DELETE', `/api/v1/users/temp@example.com/keys/${created.body.keyId}`)).status).toBe(
      200,
    );
    expect((await h.call('GET', '/api/v1/users/me', { key: created.body.apiKey })).status).toBe(401);
    expect((await h.call('GET', '/api/v1/users/me', { key: second.body.apiKey })).status).toBe(200);
    expect((await h.call('DELETE', '/api/v1/users/temp@example.com')).status).toBe(200);
    expect((await h.call('GET', '/api/v1/users/me', { key: second.body.apiKey })).status).toBe(401);
    expect(
      (await h.call('POST', '/api/v1/users', { body: { email: 'temp@example.com', role: 'viewer' } })).status,
    ).toBe(409);
  });
});

describe('rate limits and the web console', () => {
  it('a key over its rate gets 429 RATE_LIMITED with Retry-After; other keys are not affected', async () => {
    const limited = await Harness.start({ rateLimit: { perSecond: 0.5, burst: 4 } });
    try {
      const statuses = [];
      for (let i = 0; i < 5; i++)
        statuses.push((await limited.call('GET', '/api/v1/users/me', { key: limited.keys.viewer })).status);
      expect(statuses.slice(0, 4)).toEqual([200, 200, 200, 200]);
      expect(statuses.at(-1)).toBe(429);
      const r = await limited.call<{ error: { code: string } }>('GET', '/api/v1/users/me', {
        key: limited.keys.viewer,
      });
      expect(r.body.error.code).toBe('RATE_LIMITED');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await limited.call('GET', '/api/v1/users/me', { key: limited.keys.operator })).status).toBe(
        200,
      );
    } finally {
      await limited.close();
    }
  });

  it('serves webRoot at /, falls back to index.html for deep links, caches hashed assets as immutable', async () => {
    const web = await mkdtemp(join(tmpdir(), 'taskport-web-'));
    await mkdir(join(web, 'assets'));
    await writeFile(join(web, 'index.html'), '<!doctype html><title>console</title>');
    await writeFile(join(web, 'assets', 'app-1a2b3c.js'), 'console.log(1)');
    const site = await Harness.start({ webRoot: web });
    try {
      const index = await fetch(`${site.url}/`);
      expect(await index.text()).toContain('console');
      expect(index.headers.get('cache-control')).toBe('no-cache');
      const deep = await fetch(`${site.url}/executions/loc-123`);
      expect(deep.status).toBe(200);
      expect(await deep.text()).toContain('console');
      const asset = await fetch(`${site.url}/assets/app-1a2b3c.js`);
      expect(asset.headers.get('cache-control')).toContain('immutable');
      const missingAsset = await fetch(`${site.url}/assets/missing.js`);
      expect(missingAsset.status).toBe(404);
      const api = await fetch(`${site.url}/api/v1/nope`);
      expect(api.status).toBe(404);
      expect(((await api.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    } finally {
      await site.close();
    }
  });
});

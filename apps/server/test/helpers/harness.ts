import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapUser, type RunningServer, type ServerOptions, startServer } from '../../dist/index.js';

export type RoleName = 'admin' | 'operator' | 'developer' | 'viewer';

export interface Response<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  key?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * One real server on a free loopback port over the local provider, in a private data directory, with
 * one key per role (and a second developer, to test the owner rule).
 */
export class Harness {
  private constructor(
    readonly root: string,
    readonly env: Record<string, string>,
    readonly server: RunningServer,
    readonly keys: Record<RoleName | 'developer2', string>,
  ) {}

  get url(): string {
    return this.server.url;
  }

  static async start(
    options: Partial<ServerOptions> & { extraEnv?: Record<string, string> } = {},
  ): Promise<Harness> {
    const root = await mkdtemp(join(tmpdir(), 'taskport-server-'));
    const { extraEnv, ...serverOptions } = options;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: root,
      TASKPORT_DATA_DIR: join(root, 'data'),
      ...extraEnv,
    };
    const admin = await bootstrapUser('admin@example.com', 'admin', { env });
    const server = await startServer({ listen: '127.0.0.1:0', env, cwd: root, ...serverOptions });
    const keys = { admin: admin.apiKey } as Record<RoleName | 'developer2', string>;
    const harness = new Harness(root, env, server, keys);
    for (const [name, role] of [
      ['operator', 'operator'],
      ['developer', 'developer'],
      ['developer2', 'developer'],
      ['viewer', 'viewer'],
    ] as const) {
      const created = await harness.call<{ apiKey: string }>('POST', '/api/v1/users', {
        key: admin.apiKey,
        body: { email: `${name}@example.com`, role },
      });
      if (created.status !== 201) throw new Error(`creating ${name} failed: ${JSON.stringify(created.body)}`);
      keys[name] = created.body.apiKey;
    }
    return harness;
  }

  async call<T = unknown>(method: string, path: string, options: CallOptions = {}): Promise<Response<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const key = options.key === undefined ? this.keys.admin : options.key;
    if (key) headers.authorization = `Bearer ${key}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(this.url + path, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      // not JSON (metrics, SSE)
    }
    return { status: response.status, headers: response.headers, body: body as T };
  }

  /** Starts a run as `role` and returns its execution id. */
  async run(
    command: string | string[],
    key: string = this.keys.admin,
    extra: Record<string, unknown> = {},
  ): Promise<string> {
    const response = await this.call<{ execution: { executionId: string } }>('POST', '/api/v1/run', {
      key,
      body: { command, ...extra },
    });
    if (response.status !== 202)
      throw new Error(`run failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.execution.executionId;
  }

  async waitDone(id: string): Promise<{ status: string; exitCode: number | null }> {
    for (;;) {
      const r = await this.call<{ done: boolean; execution: { status: string; exitCode: number | null } }>(
        'GET',
        `/api/v1/executions/${id}/wait?timeoutSeconds=20`,
      );
      if (r.status !== 200) throw new Error(`wait failed: ${r.status} ${JSON.stringify(r.body)}`);
      if (r.body.done) return r.body.execution;
    }
  }

  async close(): Promise<void> {
    await this.server.close();
    await rm(this.root, { recursive: true, force: true });
  }
}

export interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

/** Reads an SSE response to its end (or until `until` says stop), parsing messages. */
export async function readSse(
  url: string,
  headers: Record<string, string>,
  options: { until?: (m: SseMessage) => boolean; signal?: AbortSignal } = {},
): Promise<{ status: number; messages: SseMessage[] }> {
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: options.signal,
  });
  const messages: SseMessage[] = [];
  if (!response.body || response.status !== 200) return { status: response.status, messages };
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      for (let at = buffer.indexOf('\n\n'); at !== -1; at = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        const message = parseSseBlock(block);
        if (!message) continue;
        messages.push(message);
        if (options.until?.(message)) {
          await response.body.cancel().catch(() => undefined);
          return { status: response.status, messages };
        }
      }
    }
  } catch (error) {
    if (!options.signal?.aborted) throw error;
  }
  return { status: response.status, messages };
}

export function parseSseBlock(block: string): SseMessage | undefined {
  const message: SseMessage = { data: '' };
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':') || line === '') continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') message.id = value;
    else if (field === 'event') message.event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0 && !message.event) return undefined;
  message.data = data.join('\n');
  return message;
}

import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '@taskport/core';
import { type ErrorClass, type RetryPolicy, withRetry } from '@taskport/provider-utils';

/** Where the engine listens, parsed from a `DOCKER_HOST`-style address. */
export type EngineAddress =
  | { kind: 'unix'; socketPath: string; display: string }
  | { kind: 'tcp'; host: string; port: number; tls: boolean; display: string };

/** The engine the docker CLI uses when DOCKER_HOST is not set. */
export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';
/** The newest Engine API version taskport needs; Docker 20.10 answers up to 1.41 and Podman accepts any. */
export const DEFAULT_API_VERSION = '1.41';

/**
 * Parses a `DOCKER_HOST` value the way the docker CLI reads it: `unix:///path/docker.sock`, `tcp://host:port`
 * (HTTPS when `tls`). `ssh://` and `npipe://` need the docker CLI's own transports and are refused with a
 * hint.
 */
export function parseDockerHost(value: string, tls = false): EngineAddress {
  const fail = (why: string): never => {
    throw new ConfigurationError(
      `host "${value}" ${why}; use unix:///path/to/docker.sock or tcp://host:port (the forms of DOCKER_HOST)`,
      { provider: 'docker', details: { field: 'host' } },
    );
  };
  const trimmed = value.trim();
  if (trimmed.startsWith('/')) return { kind: 'unix', socketPath: trimmed, display: `unix://${trimmed}` };
  const match = /^([a-z]+):\/\/(.*)$/.exec(trimmed);
  if (!match) return fail('is not an engine address');
  const [, scheme, rest] = match as unknown as [string, string, string];
  if (scheme === 'unix') {
    if (!rest.startsWith('/')) fail('needs an absolute socket path');
    return { kind: 'unix', socketPath: rest, display: trimmed };
  }
  if (scheme === 'tcp' || scheme === 'http' || scheme === 'https') {
    const hostPort = /^(\[[0-9a-fA-F:]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(rest);
    if (!hostPort) return fail('has no host[:port]');
    const useTls = tls || scheme === 'https';
    const port = hostPort[2] ? Number(hostPort[2]) : useTls ? 2376 : 2375;
    const host = hostPort[1]!.replace(/^\[|\]$/g, '');
    return { kind: 'tcp', host, port, tls: useTls, display: trimmed };
  }
  return fail(
    `uses ${scheme}://, which taskport does not speak (ssh and npipe need the docker CLI); forward the socket (e.g. \`ssh -L /tmp/docker.sock:/var/run/docker.sock host\`) and point host at it`,
  );
}

export interface DockerEngineOptions {
  /** `unix:///var/run/docker.sock`, `tcp://127.0.0.1:2375`, ... @default DOCKER_HOST, else the default socket */
  host?: string;
  /** Engine API version in request paths. @default '1.41' */
  apiVersion?: string;
  /** For tcp: talk HTTPS with the client certificate in `certPath` (DOCKER_TLS_VERIFY / DOCKER_CERT_PATH). */
  tls?: boolean;
  /** Directory holding `ca.pem`, `cert.pem`, `key.pem` for tls. @default ~/.docker */
  certPath?: string;
  /** Limit for ordinary (non-streaming) calls, in ms. @default 60000 */
  requestTimeoutMs?: number;
  /** Retries of reads. @default 5 attempts within 10 s */
  retry?: RetryPolicy;
}

export interface EngineRequest {
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** Overrides `requestTimeoutMs` for this call (0 = none). */
  timeoutMs?: number;
}

export interface EngineResponse<T> {
  status: number;
  body: T;
}

/**
 * A non-2xx answer of the engine. `message` is the engine's own (`{"message": ...}` body); adapters turn it
 * into taskport errors at their edge (see docker-errors.ts).
 */
export class EngineHttpError extends Error {
  readonly status: number;
  readonly method: string;
  readonly path: string;
  constructor(status: number, engineMessage: string, method: string, path: string) {
    super(engineMessage);
    this.name = 'EngineHttpError';
    this.status = status;
    this.method = method;
    this.path = path;
  }
}

/**
 * The engine could not be reached at all (no socket, connection refused, timed out); `address` says where
 * we looked so the message can tell the user what to start or set.
 */
export class EngineUnreachableError extends Error {
  readonly address: string;
  constructor(address: string, cause: unknown) {
    super(`cannot reach the Docker engine at ${address}: ${(cause as Error)?.message ?? String(cause)}`, {
      cause,
    });
    this.name = 'EngineUnreachableError';
    this.address = address;
  }
}

/**
 * A small Docker Engine API client on `node:http`: JSON calls, raw streams (logs, pull progress) and
 * hijacked connections (attach). Keep-alive connections are pooled; `close()` ends them.
 *
 * Why not dockerode: every call taskport makes is a handful of HTTP requests, and dockerode brings
 * docker-modem, ssh2 and native crypto along (and its types lag a major version). See ADR 020-docker.
 */
export class DockerEngine {
  readonly address: EngineAddress;
  readonly apiVersion: string;
  private readonly requestTimeoutMs: number;
  private readonly agent: http.Agent;
  private readonly tlsOptions: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  private readonly retryPolicy: RetryPolicy;

  constructor(options: DockerEngineOptions = {}) {
    this.address = parseDockerHost(options.host ?? DEFAULT_DOCKER_HOST, options.tls ?? false);
    this.apiVersion = (options.apiVersion ?? DEFAULT_API_VERSION).replace(/^v/, '');
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    this.retryPolicy = { maxAttempts: 5, budgetMs: 10_000, ...options.retry };
    this.tlsOptions = {};
    if (this.address.kind === 'tcp' && this.address.tls) {
      const certPath = options.certPath ?? join(homedir(), '.docker');
      const read = (name: string) => readFileSync(join(certPath, name));
      this.tlsOptions = { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
    }
    const tls = this.address.kind === 'tcp' && this.address.tls;
    this.agent = tls
      ? new https.Agent({ keepAlive: true, maxSockets: 16, ...this.tlsOptions })
      : new http.Agent({ keepAlive: true, maxSockets: 16 });
  }

  /** `unix:///...` or `tcp://...`, for messages. */
  get display(): string {
    return this.address.display;
  }

  /**
   * A JSON call; resolves with the parsed body (or undefined for an empty one) on 2xx and 304. Reads
   * (GET) are retried on dropped connections and 5xx within a short budget; writes are not (a repeated
   * create would meet its own name, a repeated start its own container), so callers decide.
   */
  async request<T = unknown>(
    method: string,
    path: string,
    request: EngineRequest = {},
  ): Promise<EngineResponse<T>> {
    if (method !== 'GET') return this.requestOnce<T>(method, path, request);
    return withRetry(() => this.requestOnce<T>(method, path, request), {
      classify: classifyEngineError,
      policy: this.retryPolicy,
      signal: request.signal,
    });
  }

  private async requestOnce<T>(
    method: string,
    path: string,
    request: EngineRequest,
  ): Promise<EngineResponse<T>> {
    const response = await this.send(method, path, request, request.timeoutMs ?? this.requestTimeoutMs);
    const text = await readAll(response);
    const status = response.statusCode ?? 0;
    if (status >= 400) throw new EngineHttpError(status, engineMessage(text, status), method, path);
    const isJson = (response.headers['content-type'] ?? '').includes('json');
    const body = (text.length > 0 && isJson ? JSON.parse(text) : text.length > 0 ? text : undefined) as T;
    return { status, body };
  }

  /**
   * A streaming call (logs, image pull): resolves with the response once the engine answered 2xx; the
   * caller reads it and must consume or destroy it. Aborting `signal` destroys it.
   */
  async stream(method: string, path: string, request: EngineRequest = {}): Promise<IncomingMessage> {
    const response = await this.send(method, path, request, request.timeoutMs ?? 0);
    const status = response.statusCode ?? 0;
    if (status >= 400) {
      const text = await readAll(response);
      throw new EngineHttpError(status, engineMessage(text, status), method, path);
    }
    return response;
  }

  /**
   * A hijacked connection (`Upgrade: tcp`), as `attach` and `exec start` need: resolves with the raw socket
   * once the engine switched protocols. The caller writes to it and ends it. A `body` is sent as JSON.
   */
  hijack(method: string, path: string, request: EngineRequest = {}): Promise<Socket> {
    request.signal?.throwIfAborted();
    const payload = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
    return new Promise((resolve, reject) => {
      const req = this.client().request({
        ...this.target(method, path, request.query),
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'tcp',
          ...(payload
            ? { 'Content-Type': 'application/json', 'Content-Length': payload.length }
            : { 'Content-Type': 'text/plain' }),
        },
        // A hijacked socket must not go back to the keep-alive pool.
        agent: false,
        ...this.tlsOptions,
      });
      const onAbort = () => req.destroy(request.signal?.reason);
      request.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('upgrade', (_response, socket, head) => {
        request.signal?.removeEventListener('abort', onAbort);
        if (head.length > 0) socket.unshift(head);
        resolve(socket);
      });
      req.on('response', (response: IncomingMessage) => {
        request.signal?.removeEventListener('abort', onAbort);
        void readAll(response).then((text) =>
          reject(
            new EngineHttpError(
              response.statusCode ?? 0,
              engineMessage(text, response.statusCode ?? 0),
              method,
              path,
            ),
          ),
        );
      });
      req.on('error', (error) => {
        request.signal?.removeEventListener('abort', onAbort);
        reject(request.signal?.aborted ? request.signal.reason : this.unreachable(error));
      });
      req.end(payload);
    });
  }

  /** Closes the pooled connections. */
  close(): void {
    this.agent.destroy();
  }

  private client(): typeof http | typeof https {
    return this.address.kind === 'tcp' && this.address.tls ? https : http;
  }

  private target(method: string, path: string, query: EngineRequest['query']): http.RequestOptions {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) params.set(key, String(value));
    }
    const search = params.size > 0 ? `?${params.toString()}` : '';
    const fullPath = `/v${this.apiVersion}${path}${search}`;
    return this.address.kind === 'unix'
      ? { method, path: fullPath, socketPath: this.address.socketPath }
      : { method, path: fullPath, host: this.address.host, port: this.address.port };
  }

  private send(
    method: string,
    path: string,
    request: EngineRequest,
    timeoutMs: number,
  ): Promise<IncomingMessage> {
    request.signal?.throwIfAborted();
    const payload = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
    return new Promise((resolve, reject) => {
      const req = this.client().request({
        ...this.target(method, path, request.query),
        agent: this.agent,
        headers: {
          ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}),
          ...request.headers,
        },
      });
      let timer: NodeJS.Timeout | undefined;
      if (timeoutMs > 0) {
        timer = setTimeout(
          () => req.destroy(new Error(`no answer from the engine within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }
      const onAbort = () => req.destroy(request.signal?.reason);
      request.signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => {
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
      };
      req.on('response', (response) => {
        clearTimeout(timer);
        // Streams stay abortable until they end.
        if (request.signal) {
          const onStreamAbort = () => response.destroy(request.signal?.reason);
          request.signal.addEventListener('abort', onStreamAbort, { once: true });
          response.once('close', () => request.signal?.removeEventListener('abort', onStreamAbort));
        }
        request.signal?.removeEventListener('abort', onAbort);
        resolve(response);
      });
      req.on('error', (error) => {
        done();
        reject(request.signal?.aborted ? request.signal.reason : this.unreachable(error));
      });
      req.end(payload);
    });
  }

  private unreachable(error: unknown): Error {
    return new EngineUnreachableError(this.display, error);
  }
}

/** Connection errors that say the engine is not there at all: retrying cannot help, the user must start it. */
const ABSENT = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ENOTFOUND', 'EHOSTUNREACH']);

/**
 * How a failed engine call reads for retrying: 429 is a throttle; 500/502/503/504 and dropped connections
 * are transient; no engine at the address, and every other answer, are permanent.
 */
export function classifyEngineError(error: unknown): ErrorClass {
  if (error instanceof EngineHttpError) {
    if (error.status === 429) return 'throttle';
    return [500, 502, 503, 504].includes(error.status) ? 'transient' : 'permanent';
  }
  if (error instanceof EngineUnreachableError) {
    const code = (error.cause as { code?: string } | undefined)?.code;
    return code !== undefined && ABSENT.has(code) ? 'permanent' : 'transient';
  }
  return 'permanent';
}

async function readAll(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function engineMessage(text: string, status: number): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // Not JSON: the text itself is the message.
  }
  return text.trim() || `HTTP ${status}`;
}

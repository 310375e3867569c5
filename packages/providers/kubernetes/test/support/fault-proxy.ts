import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';

/** What the proxy does with one request: pass it, answer it itself, or pass it and lose the answer. */
export type Fault =
  | { kind: 'pass' }
  /** Answer with this status and a Kubernetes Status body, without reaching the API server. */
  | { kind: 'reject'; status: 429 | 500 | 503; retryAfterSeconds?: number }
  /** Reach the API server (the work is done), then answer the client 503: a lost response. */
  | { kind: 'lose' }
  /** Pass the request, but cut the response body after this many bytes (a dropped stream). */
  | { kind: 'cut'; afterBytes: number };

export interface FaultProxyOptions {
  /** The API server, `https://127.0.0.1:<port>`. */
  upstream: string;
  /** CA of the API server's certificate, and the serving key pair the proxy presents (the same names). */
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Decides per request. */
  decide: (method: string, path: string) => Fault;
}

/**
 * A TLS proxy in front of kube-apiserver that answers some requests the way a busy API server does
 * (429 with Retry-After, 503 from a failing apiserver or load balancer), loses answers after the work
 * was done, or cuts streams. It presents a certificate from the cluster's CA for 127.0.0.1, so clients
 * keep verifying TLS.
 */
export class FaultProxy {
  readonly seen: Array<{ method: string; path: string; fault: Fault['kind'] }> = [];
  private server: Server | undefined;

  constructor(private readonly options: FaultProxyOptions) {}

  async start(): Promise<string> {
    const ca = readFileSync(this.options.caFile);
    const upstream = new URL(this.options.upstream);
    this.server = createServer(
      { cert: readFileSync(this.options.certFile), key: readFileSync(this.options.keyFile) },
      (incoming: IncomingMessage, outgoing: ServerResponse) => {
        const method = incoming.method ?? 'GET';
        const path = incoming.url ?? '/';
        const fault = this.options.decide(method, path);
        this.seen.push({ method, path, fault: fault.kind });
        if (fault.kind === 'reject') {
          incoming.resume();
          outgoing.writeHead(fault.status, {
            'content-type': 'application/json',
            ...(fault.retryAfterSeconds ? { 'retry-after': String(fault.retryAfterSeconds) } : {}),
          });
          outgoing.end(
            JSON.stringify({
              kind: 'Status',
              apiVersion: 'v1',
              status: 'Failure',
              message:
                fault.status === 429
                  ? 'too many requests, please try again later'
                  : 'the server is currently unable to handle the request',
              reason: fault.status === 429 ? 'TooManyRequests' : 'ServiceUnavailable',
              code: fault.status,
            }),
          );
          return;
        }
        const headers = { ...incoming.headers, host: upstream.host };
        const forward = request(
          { hostname: upstream.hostname, port: upstream.port, path, method, headers, ca },
          (answer) => {
            if (fault.kind === 'lose') {
              answer.resume();
              answer.on('end', () => {
                outgoing.writeHead(503, { 'content-type': 'application/json' });
                outgoing.end(
                  JSON.stringify({
                    kind: 'Status',
                    apiVersion: 'v1',
                    status: 'Failure',
                    code: 503,
                    reason: 'ServiceUnavailable',
                    message: 'lost response',
                  }),
                );
              });
              return;
            }
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            if (fault.kind === 'cut') {
              let sent = 0;
              answer.on('data', (chunk: Buffer) => {
                const room = fault.afterBytes - sent;
                if (room <= 0) return;
                outgoing.write(chunk.subarray(0, room));
                sent += Math.min(room, chunk.length);
                if (sent >= fault.afterBytes) {
                  answer.destroy();
                  outgoing.socket?.destroy();
                }
              });
              answer.on('end', () => outgoing.end());
              return;
            }
            answer.pipe(outgoing);
          },
        );
        forward.on('error', () => outgoing.destroy());
        incoming.pipe(forward);
      },
    );
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}

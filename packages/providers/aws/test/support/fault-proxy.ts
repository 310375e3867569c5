import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultProxyOptions {
  /** Upstream (moto) endpoint. */
  upstream: string;
  /** `X-Amz-Target` suffix of the calls to disturb, e.g. `RunTask`. */
  operation: string;
  /** Share of those calls answered with a throttle *without* reaching upstream. */
  throttleShare: number;
  /** Share of those calls that reach upstream but whose answer is replaced by a 5xx (a lost response). */
  lostResponseShare: number;
  /**
   * Share of those calls answered, without reaching upstream, by an HTML error page (as a proxy or load
   * balancer in front of AWS does), with `htmlStatus` (default 502).
   */
  htmlShare?: number;
  htmlStatus?: number;
  random?: () => number;
}

/**
 * An HTTP proxy in front of moto that disturbs one operation the way AWS does under load: ECS throttles are
 * HTTP 400 `InvalidParameterException` "Rate exceeded"; a 5xx after the work was done is a lost response.
 */
export class FaultProxy {
  readonly counts = { forwarded: 0, throttled: 0, lost: 0, html: 0 };
  private server: Server | undefined;

  constructor(private readonly options: FaultProxyOptions) {}

  async start(): Promise<string> {
    const random = this.options.random ?? Math.random;
    const upstream = new URL(this.options.upstream);
    this.server = createServer((incoming, outgoing) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const body = Buffer.concat(chunks);
        const target = String(incoming.headers['x-amz-target'] ?? '');
        const disturbed = target.endsWith(`.${this.options.operation}`);
        const roll = random();
        if (disturbed && roll < this.options.throttleShare) {
          this.counts.throttled++;
          outgoing.writeHead(400, {
            'content-type': 'application/x-amz-json-1.1',
            'x-amzn-requestid': 'fault-proxy',
          });
          outgoing.end(JSON.stringify({ __type: 'InvalidParameterException', message: 'Rate exceeded' }));
          return;
        }
        const htmlShare = this.options.htmlShare ?? 0;
        if (
          disturbed &&
          roll >= this.options.throttleShare &&
          roll < this.options.throttleShare + htmlShare
        ) {
          this.counts.html++;
          const status = this.options.htmlStatus ?? 502;
          outgoing.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
          outgoing.end(
            `<html><head><title>${status} Bad Gateway</title></head><body><h1>${status} Bad Gateway</h1><hr><center>fault-proxy</center></body></html>`,
          );
          return;
        }
        const lose =
          disturbed &&
          roll >= this.options.throttleShare + htmlShare &&
          roll < this.options.throttleShare + htmlShare + this.options.lostResponseShare;
        this.forward(upstream, incoming, body, (status, headers, answer) => {
          this.counts.forwarded++;
          if (lose) {
            this.counts.lost++;
            outgoing.writeHead(500, {
              'content-type': 'application/x-amz-json-1.1',
              'x-amzn-requestid': 'fault-proxy',
            });
            outgoing.end(
              JSON.stringify({
                __type: 'ServerException',
                message: 'injected: response lost after the task started',
              }),
            );
            return;
          }
          outgoing.writeHead(status, headers);
          outgoing.end(answer);
        });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  private forward(
    upstream: URL,
    incoming: IncomingMessage,
    body: Buffer,
    reply: (status: number, headers: Record<string, string | string[]>, body: Buffer) => void,
  ): void {
    const headers = { ...incoming.headers, host: upstream.host };
    const req = httpRequest(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        path: incoming.url,
        method: incoming.method,
        headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const out: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(res.headers))
            if (v !== undefined && k !== 'transfer-encoding') out[k] = v;
          reply(res.statusCode ?? 502, out, Buffer.concat(chunks));
        });
      },
    );
    req.on('error', () =>
      reply(502, {}, Buffer.from('{"__type":"ServiceUnavailable","message":"upstream unreachable"}')),
    );
    req.end(body);
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve) ?? resolve(undefined));
  }
}

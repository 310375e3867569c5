import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { LogEvent } from '@taskport/core';

/** One line of a pod log read with `timestamps=true`. */
export interface PodLogLine {
  /** The kubelet's RFC 3339 timestamp with nanoseconds, as sent. */
  raw: string;
  /** Unix ms. */
  timestamp: number;
  message: string;
}

export interface PodLogRequest {
  namespace: string;
  pod: string;
  container: string;
  follow: boolean;
  /** RFC 3339, whole seconds (the API's precision for sinceTime). */
  sinceTime?: string;
  signal?: AbortSignal;
}

/** The answer of a log read that was not 200: the API server's Status, shaped like a client-node ApiException. */
export class PodLogError extends Error {
  constructor(
    readonly code: number,
    readonly body: string,
  ) {
    super(`HTTP ${code} reading pod logs: ${body.slice(0, 300)}`);
    this.name = 'PodLogError';
  }
}

const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/** Parses the kubelet's RFC 3339 (nano) timestamp to Unix ms; NaN when it is not one. */
export function parseKubeletTime(raw: string): number {
  const match = TIMESTAMP.exec(raw);
  if (!match) return Number.NaN;
  const millis = (match[2] ?? '').padEnd(3, '0').slice(0, 3);
  return Date.parse(`${match[1]}.${millis}${match[3]}`);
}

/** Splits `<timestamp> <message>`; a line without a timestamp keeps `now` (never happens with timestamps=true). */
export function parseLogLine(line: string): PodLogLine {
  const space = line.indexOf(' ');
  const raw = space > 0 ? line.slice(0, space) : line;
  const timestamp = parseKubeletTime(raw);
  if (Number.isNaN(timestamp)) return { raw: '', timestamp: Date.now(), message: line };
  return { raw, timestamp, message: space > 0 ? line.slice(space + 1) : '' };
}

/**
 * Reads a pod's log over the API server (`pods/log`) as lines, streaming: memory stays bounded whatever the
 * size of the log. With `follow`, the connection stays open until the container ends (or drops).
 * Uses the kubeconfig's credentials and CA directly on node:https so that errors and aborts of the
 * streaming body are handled here (client-node's `Log` leaves an abort of its inner stream unhandled).
 */
export async function* readPodLog(
  kubeConfig: KubeConfig,
  request: PodLogRequest,
): AsyncGenerator<PodLogLine> {
  request.signal?.throwIfAborted();
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const base = new URL(cluster.server);
  const path = `${base.pathname.replace(/\/$/, '')}/api/v1/namespaces/${encodeURIComponent(request.namespace)}/pods/${encodeURIComponent(request.pod)}/log`;
  const query = new URLSearchParams({ container: request.container, timestamps: 'true' });
  if (request.follow) query.set('follow', 'true');
  if (request.sinceTime) query.set('sinceTime', request.sinceTime);
  const options: https.RequestOptions = {
    protocol: base.protocol,
    hostname: base.hostname.replace(/^\[|\]$/g, ''),
    port: base.port || (base.protocol === 'https:' ? 443 : 80),
    path: `${path}?${query}`,
    method: 'GET',
    headers: {},
  };
  await kubeConfig.applyToHTTPSOptions(options);
  if (request.signal) options.signal = request.signal;
  const client = base.protocol === 'https:' ? https : http;

  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = client.request(options, resolve);
    req.on('error', reject);
    req.end();
  });
  try {
    if (response.statusCode !== 200) {
      let body = '';
      for await (const chunk of response) body += chunk;
      throw new PodLogError(response.statusCode ?? 0, body);
    }
    response.setEncoding('utf8');
    let rest = '';
    for await (const chunk of response as AsyncIterable<string>) {
      rest += chunk;
      let newline = rest.indexOf('\n');
      while (newline >= 0) {
        yield parseLogLine(rest.slice(0, newline));
        rest = rest.slice(newline + 1);
        newline = rest.indexOf('\n');
      }
    }
    if (rest !== '') yield parseLogLine(rest);
  } finally {
    response.destroy();
  }
}

/**
 * Gives each line a stable eventId: the pod, the kubelet's nanosecond timestamp, the line's rank among
 * lines with that same timestamp, and the message. The same line gets the same id on every read
 * (a read resumed with sinceTime re-reads its whole second, so ranks match), and identical lines differ.
 */
export class EventIds {
  private lastRaw = '';
  private rank = 0;

  constructor(private readonly pod: string) {}

  event(line: PodLogLine): LogEvent {
    if (line.raw === this.lastRaw) this.rank++;
    else {
      this.lastRaw = line.raw;
      this.rank = 0;
    }
    const eventId = createHash('sha256')
      .update(`${this.pod}\n${line.raw}\n${this.rank}\n${line.message}`)
      .digest('hex')
      .slice(0, 20);
    return { timestamp: line.timestamp, message: line.message, eventId };
  }
}

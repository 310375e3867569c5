import { PassThrough } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
// client-node's authenticated WebSocket opener (kubeconfig TLS material and token, the channel
// subprotocols). Not re-exported by its index; reachable because the package (pinned at 2.0.1) has no
// exports map. Its `Attach` class is not used: it pipes a Readable without backpressure and, given no
// streams, acts on the process's own stdin/stdout when the server closes a channel.
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import { inputUntil } from '@taskport/provider-utils';

/** The channel protocol's stream numbers (k8s.io/apimachinery/pkg/util/remotecommand). */
const STDIN = 0;
const STATUS = 3;
/** v5.channel.k8s.io: `[255, n]` closes stream n (half-close), so stdin can end while the session lives. */
const CLOSE = 255;
export const CLOSE_PROTOCOL = 'v5.channel.k8s.io';

/** The largest piece of input sent in one WebSocket message. */
const MAX_FRAME = 32 * 1024;

export interface AttachTarget {
  namespace: string;
  pod: string;
  container: string;
}

/** What the API server said when the attach ended (its status channel), or that it never said. */
export interface AttachOutcome {
  /** Every byte of the input was sent and stdin closed before the session ended. */
  complete: boolean;
  /** The server's Status on channel 3, when it sent one. */
  status?: { status?: string; message?: string; reason?: string };
  /** The subprotocol the server chose. */
  protocol: string;
}

/** The path of a stdin-only attach: no stdout/stderr (the logs carry them), no TTY. */
export function attachPath(target: AttachTarget): string {
  const query = new URLSearchParams({
    container: target.container,
    stdin: 'true',
    stdout: 'false',
    stderr: 'false',
    tty: 'false',
  });
  return `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/attach?${query}`;
}

/** `[stream, ...bytes]`: one message of the channel protocol. */
export function channelFrame(stream: number, bytes: Uint8Array = new Uint8Array()): Buffer {
  const frame = Buffer.allocUnsafe(bytes.length + 1);
  frame[0] = stream;
  frame.set(bytes, 1);
  return frame;
}

/** The v5 message that closes the container's stdin: `[255, 0]`. */
export function closeStdinFrame(): Buffer {
  return Buffer.from([CLOSE, STDIN]);
}

/**
 * Sends `input` to a container's stdin through the API server's `pods/attach` subresource (WebSocket,
 * `v5.channel.k8s.io` preferred), then closes stdin, and resolves once the API server has ended the
 * session: for a stdin-only attach the container runtime ends it after it copied the last byte into the
 * container's stdin and, for a `stdinOnce` container, closed it. With v4 (no half-close) the socket is
 * closed after the input, which ends the attach and so closes a `stdinOnce` container's stdin.
 *
 * If the session ends before all input was sent (the task ended), the rest of the input is not read and
 * `complete` is false. A handshake refusal rejects with `{ code, body }` (an HTTP status) for
 * `translateKubernetesError`; anything else rejects as is.
 */
export async function attachStdin(
  kubeConfig: KubeConfig,
  target: AttachTarget,
  input: AsyncIterable<Uint8Array>,
  signal?: AbortSignal,
): Promise<AttachOutcome> {
  signal?.throwIfAborted();
  let status: AttachOutcome['status'];
  const quiet = () => new PassThrough();
  const handler = new WebSocketHandler(kubeConfig, undefined, {
    stdin: quiet(),
    stdout: quiet(),
    stderr: quiet(),
  });
  let socket: Awaited<ReturnType<WebSocketHandler['connect']>>;
  try {
    socket = await handler.connect(attachPath(target), null, (stream, bytes) => {
      if (stream === STATUS && bytes.length > 0) {
        try {
          status = JSON.parse(bytes.toString('utf8'));
        } catch {
          status = { status: 'Failure', message: bytes.toString('utf8').slice(0, 500) };
        }
      }
      return true;
    });
  } catch (error) {
    throw handshakeError(error);
  }

  let closed = false;
  const ended = new Promise<void>((resolve) => {
    socket.on('close', () => {
      closed = true;
      resolve();
    });
  });
  let failure: unknown;
  socket.on('error', (error) => {
    failure ??= error;
  });
  const onAbort = () => socket.terminate();
  signal?.addEventListener('abort', onAbort, { once: true });
  const send = (frame: Buffer) =>
    new Promise<void>((resolve, reject) => {
      socket.send(frame, (error) => (error ? reject(error) : resolve()));
    });

  let complete = false;
  try {
    // Stops at once when the attach closes or the signal aborts, even while the input is idle.
    for await (const chunk of inputUntil(input, ended, signal)) {
      if (closed) break;
      for (let at = 0; at < chunk.length && !closed; at += MAX_FRAME) {
        await send(channelFrame(STDIN, chunk.subarray(at, at + MAX_FRAME)));
      }
    }
    signal?.throwIfAborted();
    if (!closed) {
      if (socket.protocol === CLOSE_PROTOCOL) await send(closeStdinFrame());
      else socket.close(1000);
      complete = true;
    }
    await ended;
    signal?.throwIfAborted();
  } catch (error) {
    socket.terminate();
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (!complete && failure) throw failure;
  return { complete, protocol: socket.protocol, ...(status ? { status } : {}) };
}

/** `Unexpected server response: 403` (what `ws` says of a refused upgrade) as an ApiException-like error. */
function handshakeError(error: unknown): unknown {
  const message =
    (error as { message?: string })?.message ?? (error as { error?: Error })?.error?.message ?? String(error);
  const match = /Unexpected server response: (\d{3})/.exec(message);
  if (match) return Object.assign(new Error(message), { code: Number(match[1]), body: message });
  const cause = (error as { error?: unknown })?.error;
  return cause instanceof Error ? cause : new Error(message);
}

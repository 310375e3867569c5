import { connect, type Socket } from 'node:net';
import { inputUntil } from '@taskport/provider-utils';

/** Connects to a Unix socket; rejects with the connect error (ENOENT, ECONNREFUSED) or the abort reason. */
export function connectUnixSocket(path: string, signal?: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const socket = connect(path);
    const onAbort = () => {
      socket.destroy();
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
  });
}

/**
 * Writes all of `input` into the socket (waiting for it to drain), then ends it and waits for the other
 * side to close. The reader going away early (the task ended: EPIPE, ECONNRESET) ends the copy without
 * an error, as a pipe into a finished `docker run -i` does; an abort destroys the socket and rejects.
 */
export async function copyIntoSocket(
  input: AsyncIterable<Uint8Array>,
  socket: Socket,
  signal?: AbortSignal,
): Promise<void> {
  let readerGone = false;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {
    readerGone = true;
  });
  const onAbort = () => socket.destroy();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // Stops at once when the task's side closes or the signal aborts, even while the input is idle.
    for await (const chunk of inputUntil(input, closed, signal)) {
      if (readerGone || socket.destroyed) break;
      if (!socket.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            socket.off('drain', done);
            socket.off('close', done);
            resolve();
          };
          socket.once('drain', done);
          socket.once('close', done);
        });
      }
    }
    signal?.throwIfAborted();
    socket.end();
    await closed;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!socket.destroyed) socket.destroy();
  }
}

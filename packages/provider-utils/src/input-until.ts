const STOPPED: unique symbol = Symbol('stopped');
const ABORTED: unique symbol = Symbol('aborted');

/**
 * The chunks of a task's input (`attachStdin`) until it ends, until `stopped` settles (the task's side
 * went away) or until `signal` aborts (then it throws the signal's reason). Iterating an input directly
 * waits for its next chunk however long that takes, so a reader that left, or a shutdown, would go
 * unnoticed while the sender holds its stream open (a client keeping a request body open, a terminal
 * nobody types into). Stopping early asks the input's iterator to return (a pending read keeps it until
 * that read settles); closing the input itself is its owner's business: an HTTP request body, say, is
 * left to the server, which can still answer on its connection.
 */
export async function* inputUntil(
  input: AsyncIterable<Uint8Array>,
  stopped: Promise<unknown>,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  const iterator = input[Symbol.asyncIterator]();
  const stop: Promise<typeof STOPPED> = stopped.then(
    () => STOPPED,
    () => STOPPED,
  );
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<typeof ABORTED>((resolve) => {
    onAbort = () => resolve(ABORTED);
    if (signal?.aborted) resolve(ABORTED);
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  let finished = false;
  try {
    for (;;) {
      const pending = iterator.next();
      // Raced, it may settle when nobody waits for it any more.
      pending.catch(() => {});
      const next = await Promise.race([pending, stop, aborted]);
      if (next === ABORTED) throw signal?.reason;
      if (next === STOPPED) return;
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    if (!finished) Promise.resolve(iterator.return?.()).catch(() => {});
  }
}

import type * as NodeCrypto from 'node:crypto';

let loaded: typeof NodeCrypto | undefined;

/**
 * node:crypto, loaded on first use. Loading it costs about half of Node's own start-up (~25 ms on the
 * benchmark machine), and the commands people run most - `list`, `status`, `logs` - hash nothing; a
 * static import would make every one of them pay (docs/benchmarks.md, CLI start-up).
 */
export function nodeCrypto(): typeof NodeCrypto {
  loaded ??= process.getBuiltinModule('node:crypto') as typeof NodeCrypto;
  return loaded;
}

/** sha256 of `text`, as hex. */
export function sha256Hex(text: string): string {
  return nodeCrypto().createHash('sha256').update(text).digest('hex');
}

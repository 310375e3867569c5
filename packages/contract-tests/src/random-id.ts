import { randomBytes } from 'node:crypto';

/**
 * A short random lowercase token (hex), unique enough that runs sharing a backend (a cloud table, a log
 * group) never collide. Lowercase hex also fits image repository names and label values.
 */
export function randomToken(bytes = 5): string {
  return randomBytes(bytes).toString('hex');
}

/** `<prefix>-<random hex>`, e.g. `contract-exec-3fa9c01b2e`. */
export function randomId(prefix: string): string {
  return `${prefix}-${randomToken()}`;
}

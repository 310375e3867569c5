import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys look like `tpk_<keyId>_<secret>`: the key id (8 random bytes, hex) finds the stored row, the
 * secret (32 random bytes, base64url) is checked against its SHA-256 in constant time. A high-entropy
 * random secret needs no slow password hash; only the hash is stored, so a leaked database reveals no key.
 */
export interface ParsedApiKey {
  keyId: string;
  secret: string;
}

const KEY = /^tpk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export function generateApiKey(): { apiKey: string; keyId: string; secretHash: Buffer } {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { apiKey: `tpk_${keyId}_${secret}`, keyId, secretHash: hashSecret(secret) };
}

export function parseApiKey(text: string): ParsedApiKey | undefined {
  const match = KEY.exec(text);
  return match ? { keyId: match[1] as string, secret: match[2] as string } : undefined;
}

export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Constant-time comparison of a presented secret with the stored hash. */
export function secretMatches(secret: string, storedHash: Buffer): boolean {
  const presented = hashSecret(secret);
  return presented.length === storedHash.length && timingSafeEqual(presented, storedHash);
}

/**
 * API keys look like `pk_<id>_<secret>`: the id finds the row, the secret is checked against a keyed
 * hash (HMAC-SHA256 with a key derived from the installation secret). Keys carry 192 bits of
 * randomness, so a fast keyed hash is as strong as a slow password hash here and costs microseconds
 * on every request instead of tens of milliseconds.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { deriveKey } from './secret-box.js';

export const API_KEY_PREFIX = 'pk_';
const FORMAT = /^pk_([a-z0-9]{12})_([A-Za-z0-9_-]{32})$/;

export interface ParsedKey {
  id: string;
  secret: string;
}

export function parseApiKey(value: string): ParsedKey | undefined {
  const m = FORMAT.exec(value);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith(API_KEY_PREFIX);
}

export function newApiKey(): { id: string; secret: string; value: string } {
  const id = randomBytes(9).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 12);
  const secret = randomBytes(24).toString('base64url');
  return { id, secret, value: `${API_KEY_PREFIX}${id}_${secret}` };
}

export function createKeyHasher(secretKey: Buffer, purpose = 'api-key'): { hash(secret: string): string; matches(secret: string, stored: string): boolean } {
  const key = deriveKey(secretKey, `hash:${purpose}`);
  const hash = (secret: string) => createHmac('sha256', key).update(secret).digest('base64url');
  return {
    hash,
    matches(secret, stored) {
      const a = Buffer.from(hash(secret));
      const b = Buffer.from(stored);
      return a.length === b.length && timingSafeEqual(a, b);
    },
  };
}

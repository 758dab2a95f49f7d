/**
 * Authenticated encryption for secrets at rest (signing keys now; upstream credentials and model
 * API keys later): AES-256-GCM with a key derived from the installation secret per purpose.
 * Output: `v1.<iv>.<tag>.<ciphertext>` in base64url.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { PorticoError } from '../core/errors.js';

export interface SecretBox {
  seal(plaintext: string): string;
  open(sealed: string): string;
}

export function deriveKey(secretKey: Buffer, purpose: string): Buffer {
  return createHmac('sha256', secretKey).update(`portico:${purpose}`).digest();
}

export function createSecretBox(secretKey: Buffer, purpose: string): SecretBox {
  const key = deriveKey(secretKey, `secret-box:${purpose}`);
  return {
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
    },
    open(sealed) {
      const [version, iv, tag, data] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || data === undefined) throw new PorticoError('internal_error', 'A stored secret is malformed.');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        // Wrong PORTICO_SECRET_KEY or tampering: say which, never what.
        throw new PorticoError('internal_error', 'A stored secret cannot be decrypted with this installation key.');
      }
    },
  };
}

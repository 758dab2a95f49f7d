/**
 * CSRF tokens for the login and consent forms: an HMAC of the interaction id and the form's
 * purpose under a key derived from the installation secret. The interaction id is itself bound to
 * an HttpOnly, SameSite=Lax cookie, so a forged cross-site post lacks the cookie, and a page of
 * another interaction cannot lend its token. Stateless, so any node can check a token.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type CsrfPurpose = 'login' | 'consent' | 'abort';

export interface Csrf {
  token(interactionId: string, purpose: CsrfPurpose): string;
  valid(interactionId: string, purpose: CsrfPurpose, token: unknown): boolean;
}

export function createCsrf(key: Buffer): Csrf {
  const mac = (id: string, purpose: CsrfPurpose) => createHmac('sha256', key).update(`portico-oauth-csrf\n${purpose}\n${id}`).digest();
  return {
    token: (id, purpose) => mac(id, purpose).toString('base64url'),
    valid(id, purpose, token) {
      if (typeof token !== 'string' || token.length === 0 || token.length > 100) return false;
      const given = Buffer.from(token, 'base64url');
      const expected = mac(id, purpose);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

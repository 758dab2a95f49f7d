/**
 * Portico's own JWTs: short-lived access tokens from login (`typ: access`, bound to a refresh token
 * family by `sid`) and MCP access tokens for one client (`typ: mcp`, `client_id`). Both are ES256,
 * carry `iss`, `aud` (this server's MCP resource identifier), `sub` (the user id), `jti` and `exp`.
 * Verification accepts only ES256 with a known kid, so `alg: none`, HMAC with the public key as
 * secret and foreign keys fail before any claim is trusted.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { PorticoError } from '../core/errors.js';
import { SIGNING_ALG, type SigningKeys } from './signing-keys.js';

export type TokenType = 'access' | 'mcp';
const TOKEN_TYPES: ReadonlySet<string> = new Set<TokenType>(['access', 'mcp']);

export interface TokenClaims {
  iss: string;
  aud: string | string[];
  /** The user id. */
  sub: string;
  typ: TokenType;
  /** MCP tokens: the client the token was minted for. */
  client_id?: string;
  /** Space-separated permission patterns narrowing the user's permissions. */
  scope?: string;
  /** Login tokens: the refresh token family (the "session") they belong to. */
  sid?: string;
  jti: string;
  iat: number;
  exp: number;
}

export interface MintInput {
  userId: string;
  typ: TokenType;
  ttlSeconds: number;
  clientId?: string | undefined;
  scope?: string | undefined;
  sessionId?: string | undefined;
  /** Override the audience (another resource's token, in tests; OAuth resource indicators). */
  audience?: string | undefined;
  /** Override the expiry, seconds since the epoch (tests of expired tokens). */
  expiresAt?: number | undefined;
}

export interface MintedToken {
  token: string;
  /** Seconds until it expires. */
  expiresIn: number;
  claims: TokenClaims;
}

export interface AccessTokens {
  mint(input: MintInput): Promise<MintedToken>;
  /** The claims of a token this server issued and accepts now; throws `unauthenticated` otherwise. */
  verify(token: string): Promise<TokenClaims>;
  /**
   * Whether a token presents itself (unverified) as one of ours: our issuer and a Portico `typ`.
   * Decides which verifier answers for it, never whether it is accepted.
   */
  claimsToBeOurs(token: string): boolean;
  /** The audience minted tokens carry now. */
  audience(): string;
}

export interface AccessTokenOptions {
  signingKeys: SigningKeys;
  issuer: string;
  /** Resolved per call: the listen URL is known only once the server listens. */
  audiences: () => { resource: string; accepted: readonly string[] };
  /** Clock (ms), replaceable in tests. */
  now?: () => number;
}

/** Small allowance for clock skew between nodes. */
const CLOCK_TOLERANCE_S = 5;

const invalid = () => new PorticoError('unauthenticated', 'The access token is not valid.');

export function createAccessTokens(options: AccessTokenOptions): AccessTokens {
  const { signingKeys, issuer } = options;
  const now = options.now ?? Date.now;

  function toClaims(payload: JWTPayload): TokenClaims {
    const { typ, sub, jti, iat, exp, client_id: clientId, scope, sid } = payload as Record<string, unknown>;
    if (typeof typ !== 'string' || !TOKEN_TYPES.has(typ)) throw invalid();
    if (typeof sub !== 'string' || !sub || typeof jti !== 'string' || typeof exp !== 'number' || typeof iat !== 'number') throw invalid();
    if (typ === 'mcp' && (typeof clientId !== 'string' || !clientId)) throw invalid();
    if ((scope !== undefined && typeof scope !== 'string') || (sid !== undefined && typeof sid !== 'string')) throw invalid();
    return payload as unknown as TokenClaims;
  }

  return {
    audience: () => options.audiences().resource,

    async mint(input) {
      const { kid, privateKey } = await signingKeys.current();
      const iat = Math.floor(now() / 1000);
      const exp = input.expiresAt ?? iat + input.ttlSeconds;
      const claims: TokenClaims = {
        iss: issuer,
        aud: input.audience ?? options.audiences().resource,
        sub: input.userId,
        typ: input.typ,
        ...(input.clientId !== undefined ? { client_id: input.clientId } : {}),
        ...(input.scope ? { scope: input.scope } : {}),
        ...(input.sessionId !== undefined ? { sid: input.sessionId } : {}),
        jti: randomUUID(),
        iat,
        exp,
      };
      const token = await new SignJWT({ ...claims }).setProtectedHeader({ alg: SIGNING_ALG, kid, typ: 'JWT' }).sign(privateKey);
      return { token, expiresIn: Math.max(0, exp - iat), claims };
    },

    async verify(token) {
      try {
        const { payload } = await jwtVerify(
          token,
          async (header) => {
            // jose checks `algorithms` too; refusing here means no key lookup for a forged header.
            if (header.alg !== SIGNING_ALG || typeof header.kid !== 'string') throw invalid();
            const key = await signingKeys.verificationKey(header.kid);
            if (!key) throw invalid();
            return key;
          },
          {
            algorithms: [SIGNING_ALG],
            issuer,
            audience: [...options.audiences().accepted],
            requiredClaims: ['sub', 'exp', 'iat', 'jti'],
            clockTolerance: CLOCK_TOLERANCE_S,
            currentDate: new Date(now()),
          },
        );
        return toClaims(payload);
      } catch (err) {
        if (err instanceof joseErrors.JWTExpired) throw new PorticoError('unauthenticated', 'The access token has expired.');
        if (err instanceof PorticoError) throw err;
        throw invalid();
      }
    },

    claimsToBeOurs(token) {
      try {
        const payload = decodeJwt(token) as Record<string, unknown>;
        return payload.iss === issuer && typeof payload.typ === 'string' && TOKEN_TYPES.has(payload.typ);
      } catch {
        return false;
      }
    },
  };
}

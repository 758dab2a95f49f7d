/** Who is making a request, as every layer below the surfaces sees it. */
import type { PermissionSet } from './permissions.js';

export type PrincipalKind = 'user' | 'agent' | 'api-key' | 'oauth-client' | 'local';

export interface Principal {
  /** Stable id used for rate limiting, audit and session ownership. */
  readonly id: string;
  readonly kind: PrincipalKind;
  /** Human-readable name for logs and the audit trail. */
  readonly name: string;
  readonly roles: readonly string[];
  readonly permissions: PermissionSet;
}

/** Credentials as a surface found them; the authenticator decides what they mean. */
export interface Credentials {
  /** `Authorization: Bearer …` value. */
  bearer?: string | undefined;
  /** `X-API-Key` value. */
  apiKey?: string | undefined;
}

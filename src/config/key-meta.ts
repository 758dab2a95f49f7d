/**
 * Metadata every configuration key carries: its description, environment variable, flag and
 * whether it is secret. Section schemas in `sections/` use `meta` the same way schema.ts does.
 */
export interface KeyMeta {
  description: string;
  /** Environment variable that sets this key (overrides the generated PORTICO_* name). */
  env?: string;
  /** Redact when printing. `url` redacts only the password inside a URL. */
  secret?: boolean | 'url';
  /** CLI flag that sets this key, for the docs. */
  flag?: string;
}

/** Attach key metadata to a zod schema (read by config-keys.ts, the docs and the redactor). */
export const meta = (m: KeyMeta) => m as unknown as Record<string, unknown>;

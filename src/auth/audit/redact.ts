/**
 * What the audit trail keeps of arguments and other details: values under keys that name secrets
 * (password, secret, token, key, authorization, cookie — case-insensitive, at any depth) replaced
 * by a marker, long strings cut, and the whole serialised value kept within a byte budget. Runs
 * off the hot path (when a batch is written), never when a call is recorded.
 */

export const REDACTED = '[redacted]';

/** Keys whose values are never stored: `apiKey`, `x-api-key`, `client_secret`, `refresh_token`, `Cookie`… */
const SECRET_KEY = /password|passwd|secret|token|key|authorization|cookie|credential/i;

/** Values that are credentials whatever their key: Portico API keys, JWTs, `Bearer …`. */
const SECRET_VALUE = /\bpk_[a-z0-9]{12}_[A-Za-z0-9_-]{8,}|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*|\bbearer\s+[A-Za-z0-9._~+/=-]{8,}/gi;

/** URL query parameters with secret-like names: `?access_token=…`, `&api_key=…`. */
const SECRET_PARAM = /([?&;][^=&#\s]*(?:password|passwd|secret|token|key|authorization|cookie)[^=&#\s]*=)[^&#\s]*/gi;

const MAX_DEPTH = 12;
const MAX_ENTRIES = 200;

export interface RedactOptions {
  /** Budget for the serialised JSON, in bytes (UTF-8). */
  maxBytes: number;
}

/** The value with secret-named keys masked and long strings shortened; a plain JSON value. */
export function redactValue(value: unknown, maxString: number, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string') {
    const masked = value.replace(SECRET_VALUE, REDACTED).replace(SECRET_PARAM, `$1${REDACTED}`);
    return masked.length > maxString ? `${masked.slice(0, maxString)}…[${masked.length - maxString} more]` : masked;
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object') return undefined;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      const out = value.slice(0, MAX_ENTRIES).map((v) => redactValue(v, maxString, depth + 1, seen) ?? null);
      if (value.length > MAX_ENTRIES) out.push(`…[${value.length - MAX_ENTRIES} more]`);
      return out;
    }
    if (value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
    const out: Record<string, unknown> = {};
    let n = 0;
    for (const [k, v] of Object.entries(value)) {
      if (n++ >= MAX_ENTRIES) {
        out['…'] = `[${Object.keys(value).length - MAX_ENTRIES} more keys]`;
        break;
      }
      if (SECRET_KEY.test(k)) {
        out[k] = REDACTED;
        continue;
      }
      const r = redactValue(v, maxString, depth + 1, seen);
      if (r !== undefined) out[k] = r;
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/**
 * Redact and serialise within `maxBytes`: the JSON text to store, or undefined for nothing. When
 * even shortened strings do not fit, the result is a JSON string holding the start of the text and
 * a note that it was truncated (still valid JSON, never a cut-off secret: redaction came first).
 */
export function redactForAudit(value: unknown, options: RedactOptions): string | undefined {
  if (value === undefined || options.maxBytes <= 0) return undefined;
  // Try progressively shorter strings before cutting the whole text.
  let maxString = Math.max(16, options.maxBytes);
  let text = '';
  for (let attempt = 0; attempt < 4; attempt++) {
    text = JSON.stringify(redactValue(value, maxString)) ?? 'null';
    if (Buffer.byteLength(text) <= options.maxBytes) return text;
    maxString = Math.max(16, Math.floor(maxString / 4));
  }
  const note = '…[truncated]';
  let keep = Math.max(0, options.maxBytes - Buffer.byteLength(JSON.stringify(note)) - 2);
  let cut = JSON.stringify(text.slice(0, keep) + note);
  while (Buffer.byteLength(cut) > options.maxBytes && keep > 0) {
    keep = Math.floor(keep * 0.8);
    cut = JSON.stringify(text.slice(0, keep) + note);
  }
  return Buffer.byteLength(cut) <= options.maxBytes ? cut : undefined;
}

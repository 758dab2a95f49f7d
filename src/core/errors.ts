/**
 * The one error catalogue. Every error Portico reports to a caller has a stable `code` listed here,
 * with the HTTP status and JSON-RPC code each surface uses for it. Surfaces convert a PorticoError
 * into their wire shape in one place each; anything that is not a PorticoError is an internal failure
 * and is reported as `internal_error` without its message or stack.
 */

/** JSON-RPC 2.0 / MCP error codes. */
export const JsonRpcCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** MCP: resource not found. */
  ResourceNotFound: -32002,
  /** Implementation-defined server errors. */
  Unauthorized: -32001,
  Forbidden: -32003,
  RateLimited: -32029,
  Timeout: -32008,
  Unavailable: -32010,
  /** MCP 2026-07-28: the request needs a client capability the client did not declare. */
  MissingClientCapability: -32021,
} as const;

interface CatalogueEntry {
  readonly status: number;
  readonly jsonRpc: number;
  readonly message: string;
}

/** Stable codes: renaming one is a breaking change for clients. */
export const errorCatalogue = {
  bad_request: { status: 400, jsonRpc: JsonRpcCode.InvalidRequest, message: 'The request is malformed.' },
  validation_failed: { status: 400, jsonRpc: JsonRpcCode.InvalidParams, message: 'The input does not match the expected schema.' },
  unauthenticated: { status: 401, jsonRpc: JsonRpcCode.Unauthorized, message: 'A valid credential is required.' },
  forbidden: { status: 403, jsonRpc: JsonRpcCode.Forbidden, message: 'You do not have permission to do this.' },
  not_found: { status: 404, jsonRpc: JsonRpcCode.InvalidParams, message: 'Not found.' },
  method_not_allowed: { status: 405, jsonRpc: JsonRpcCode.MethodNotFound, message: 'Method not allowed.' },
  conflict: { status: 409, jsonRpc: JsonRpcCode.InvalidParams, message: 'The request conflicts with the current state.' },
  unprocessable_content: { status: 422, jsonRpc: JsonRpcCode.InvalidParams, message: 'The request body is well-formed but not valid for this operation.' },
  payload_too_large: { status: 413, jsonRpc: JsonRpcCode.InvalidRequest, message: 'The request body is too large.' },
  render_limit_exceeded: { status: 422, jsonRpc: JsonRpcCode.InvalidParams, message: 'Rendering the template exceeded its size, time or step limit.' },
  path_not_allowed: { status: 400, jsonRpc: JsonRpcCode.InvalidParams, message: 'The path is not allowed: it must be a plain relative path that stays inside a file root.' },
  read_only_root: { status: 403, jsonRpc: JsonRpcCode.Forbidden, message: 'This file root is read-only.' },
  blob_mime_mismatch: { status: 415, jsonRpc: JsonRpcCode.InvalidParams, message: 'The content does not match its declared MIME type.' },
  range_not_satisfiable: { status: 416, jsonRpc: JsonRpcCode.InvalidParams, message: 'The requested byte range is outside the content.' },
  unsupported_media_type: { status: 415, jsonRpc: JsonRpcCode.InvalidRequest, message: 'Unsupported content type.' },
  missing_client_capability: { status: 400, jsonRpc: JsonRpcCode.MissingClientCapability, message: 'The client lacks a capability this request needs.' },
  rate_limited: { status: 429, jsonRpc: JsonRpcCode.RateLimited, message: 'Too many requests; retry later.' },
  timeout: { status: 504, jsonRpc: JsonRpcCode.Timeout, message: 'The operation timed out.' },
  cancelled: { status: 499, jsonRpc: JsonRpcCode.InternalError, message: 'The operation was cancelled.' },
  unavailable: { status: 503, jsonRpc: JsonRpcCode.Unavailable, message: 'The service is temporarily unavailable.' },
  upstream_failed: { status: 502, jsonRpc: JsonRpcCode.Unavailable, message: 'The upstream MCP server failed or could not be reached.' },
  upstream_timeout: { status: 408, jsonRpc: JsonRpcCode.Timeout, message: 'The upstream MCP server did not answer in time.' },
  internal_error: { status: 500, jsonRpc: JsonRpcCode.InternalError, message: 'An internal error occurred.' },
  config_invalid: { status: 500, jsonRpc: JsonRpcCode.InternalError, message: 'The configuration is invalid.' },
  migration_failed: { status: 500, jsonRpc: JsonRpcCode.InternalError, message: 'A database migration failed.' },
  startup_failed: { status: 500, jsonRpc: JsonRpcCode.InternalError, message: 'The server could not start.' },
  ssrf_refused: { status: 403, jsonRpc: JsonRpcCode.Forbidden, message: 'The destination address is not allowed.' },
  web_request_failed: { status: 502, jsonRpc: JsonRpcCode.InternalError, message: 'The remote web server could not be reached or answered badly.' },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof errorCatalogue;

/** An error whose message is safe to show to the caller. */
export class PorticoError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, options?: { details?: unknown; cause?: unknown }) {
    super(message ?? errorCatalogue[code].message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PorticoError';
    this.code = code;
    this.details = options?.details;
  }

  get status(): number {
    return errorCatalogue[this.code].status;
  }

  get jsonRpcCode(): number {
    return errorCatalogue[this.code].jsonRpc;
  }
}

/** The wire body every surface uses for an error: `{ error: { code, message, details? } }`. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

/**
 * Turn anything thrown into a caller-safe PorticoError. Unknown errors become `internal_error`
 * with the catalogue's generic message: their text may hold paths, SQL or secrets.
 */
export function toPorticoError(err: unknown): PorticoError {
  if (err instanceof PorticoError) return err;
  return new PorticoError('internal_error', undefined, { cause: err });
}

export function errorBody(err: PorticoError): ErrorBody {
  const body: ErrorBody = { error: { code: err.code, message: err.message } };
  if (err.details !== undefined) body.error.details = err.details;
  return body;
}

/** JSON-RPC error answers for the MCP HTTP endpoints (they never use the REST error envelope). */
import type { ServerResponse } from 'node:http';

export function jsonRpcErrorBody(code: number, message: string, id: unknown = null): string {
  return JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: id ?? null });
}

/** Write a JSON-RPC error straight to the socket (for hijacked replies and the fast lane). */
export function jsonRpcError(res: ServerResponse, status: number, code: number, message: string, id: unknown = null, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = jsonRpcErrorBody(code, message, id);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

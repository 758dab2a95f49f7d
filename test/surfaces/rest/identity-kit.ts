/**
 * Helpers for the REST identity tests: a real server with a known admin password, login, and a
 * JSON fetch that carries a bearer token.
 */
import type { RunningServer, StartOptions } from '../../../src/server.js';
import type { Json } from '../../helpers/http.js';
import { startTestServer } from '../../helpers/test-server.js';

export const ADMIN_PASSWORD = 'admin-password-for-tests';
export const USER_PASSWORD = 'user-password-for-tests';

export function startIdentityServer(env: Record<string, string> = {}, options: Partial<StartOptions> = {}): Promise<RunningServer> {
  return startTestServer({ PORTICO_ADMIN_PASSWORD: ADMIN_PASSWORD, PORTICO_MCP__CONFORMANCE_FIXTURE: 'true', ...env }, options);
}

export interface Reply {
  status: number;
  headers: Headers;
  body: Json;
}

/** A JSON request to `baseUrl + path`; `token` goes in as a Bearer credential. */
export async function call(baseUrl: string, method: string, path: string, options: { token?: string | undefined; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${baseUrl}${path}`, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Json) : undefined };
}

export interface Session {
  access: string;
  refresh: string;
}

export async function login(baseUrl: string, username: string, password: string): Promise<Session> {
  const res = await call(baseUrl, 'POST', '/api/v1/auth/login', { body: { username, password } });
  if (res.status !== 200) throw new Error(`login as ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { access: res.body.access_token, refresh: res.body.refresh_token };
}

/** Create a user as admin and return its id. */
export async function createUser(baseUrl: string, adminToken: string, username: string, role: string, password = USER_PASSWORD): Promise<string> {
  const res = await call(baseUrl, 'POST', '/api/v1/users', { token: adminToken, body: { username, role, password } });
  if (res.status !== 201) throw new Error(`creating ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

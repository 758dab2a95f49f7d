/**
 * Runs the database provider the way the server does — a real runtime (store, identity, catalog,
 * the one pipeline) on SQLite or PostgreSQL — with real users of each built-in role to call as.
 * On PostgreSQL every harness gets its own schema (Portico's tables and the demo tables), dropped
 * when the file finishes.
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, expect } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import type { FrozenConfig } from '../../../src/config/schema.js';
import type { CallToolResult } from '../../../src/core/catalog/mcp-shapes.js';
import { localAuthenticator } from '../../../src/core/identity/local-principal.js';
import type { Principal } from '../../../src/core/identity/principal.js';
import { isNeedsInput } from '../../../src/core/pipeline/input-requests.js';
import type { CallScope } from '../../../src/core/pipeline/pipeline.js';
import { createDatabaseProvider } from '../../../src/providers/database/database-provider.js';
import { createRuntime, type Runtime } from '../../../src/runtime.js';
import type { DialectName } from '../../../src/store/schema.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { dropPostgresSchemas } from '../../helpers/dialects.js';

export type Role = 'admin' | 'user' | 'ai_agent' | 'readonly';

export interface DatabaseHarness {
  runtime: Runtime;
  config: FrozenConfig;
  dialect: DialectName;
  principals: Record<Role, Principal>;
  scope(as: Role | Principal): CallScope;
  call(name: string, args: unknown, as?: Role | Principal): Promise<CallToolResult>;
  /** Call and expect success; the structured result. */
  ok<T = Record<string, unknown>>(name: string, args: unknown, as?: Role | Principal): Promise<T>;
  /** Call and expect a tool error; its text. */
  fails(name: string, args: unknown, as?: Role | Principal): Promise<string>;
  toolNames(as: Role | Principal): string[];
  read(uri: string, as?: Role | Principal): Promise<unknown>;
}

const pgUrl = process.env.TEST_DATABASE_URL;

export async function startDatabaseHarness(dialect: DialectName, env: Record<string, string> = {}): Promise<DatabaseHarness> {
  const base: Record<string, string> = { PORTICO_DATA_DIR: tempDir(), PORTICO_PROVIDERS__BUILTIN: 'false', PORTICO_RATE_LIMITS__ENABLED: 'false' };
  if (dialect === 'postgres') {
    if (!pgUrl) throw new Error('TEST_DATABASE_URL is not set');
    const schema = `t_${randomBytes(6).toString('hex')}`;
    Object.assign(base, { DATABASE_URL: pgUrl, PORTICO_DATABASE__SCHEMA: schema, PORTICO_DATABASES__DEMO: 'on' });
    afterAll(() => dropPostgresSchemas(schema));
  }
  const config = loadConfig({ env: { ...base, ...env } });
  const runtime = await createRuntime(config, { logger: pino({ level: 'silent' }), authenticator: localAuthenticator(), providers: [createDatabaseProvider(config)] });
  afterAll(() => runtime.close());
  const principals = {} as Record<Role, Principal>;
  for (const role of ['admin', 'user', 'ai_agent', 'readonly'] as const) {
    const user = await runtime.identity.createUser({ username: `${role.replace('_', '-')}-tester`, email: `${role}@testers.example`, role });
    principals[role] = await runtime.identity.principalForUser(user.id);
  }
  let n = 0;
  const scope = (as: Role | Principal): CallScope => ({ principal: typeof as === 'string' ? principals[as] : as, surface: 'internal', requestId: `db-test-${++n}`, client: { capabilities: {} } });
  const call = async (name: string, args: unknown, as: Role | Principal = 'user') => {
    const result = await runtime.pipeline.callTool(scope(as), name, args);
    if (isNeedsInput(result)) throw new Error('unexpected input request');
    return result;
  };
  const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  return {
    runtime,
    config,
    dialect,
    principals,
    scope,
    call,
    async ok(name, args, as) {
      const result = await call(name, args, as);
      expect(result.isError, `${name} failed: ${textOf(result)}`).toBeFalsy();
      expect(JSON.parse(textOf(result))).toEqual(result.structuredContent);
      return result.structuredContent as never;
    },
    async fails(name, args, as) {
      const result = await call(name, args, as);
      expect(result.isError, `${name} should have failed: ${textOf(result)}`).toBe(true);
      return textOf(result);
    },
    toolNames: (as) => runtime.pipeline.listTools(scope(as)).map((t) => t.name),
    async read(uri, as = 'user') {
      const result = await runtime.pipeline.readResource(scope(as), uri);
      if (isNeedsInput(result)) throw new Error('unexpected input request');
      const first = result.contents[0] as { text?: string };
      return JSON.parse(first.text ?? 'null') as unknown;
    },
  };
}

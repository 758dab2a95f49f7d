import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { publicConfig } from '../../../src/providers/config/config-provider.js';

const SECRETS = {
  secretKey: 'k'.repeat(44),
  adminPassword: 'admin-pw-that-must-not-show',
  dbPassword: 'pg-pw-that-must-not-show',
  redisPassword: 'redis-pw-that-must-not-show',
  upstreamToken: 'ghp_upstreamtokenthatmustnotshow',
  headerToken: 'header-token-that-must-not-show',
};

describe('publicConfig (what portico://config serves)', () => {
  const config = loadConfig({
    env: {
      PORTICO_DATA_DIR: '/tmp/portico-public-config',
      PORTICO_SECRET_KEY: SECRETS.secretKey,
      PORTICO_ADMIN_PASSWORD: SECRETS.adminPassword,
      DATABASE_URL: `postgres://portico:${SECRETS.dbPassword}@db.internal:5432/portico`,
      REDIS_URL: `redis://:${SECRETS.redisPassword}@cache.internal:6379/0`,
      PORTICO_MCP_SERVERS: JSON.stringify({
        github: { command: 'npx', args: ['-y', 'server-github'], env: { GITHUB_PERSONAL_ACCESS_TOKEN: SECRETS.upstreamToken } },
        remote: { url: 'https://mcp.example.com/mcp', headers: { Authorization: `Bearer ${SECRETS.headerToken}` } },
      }),
    },
  });
  const shown = publicConfig(config);
  const text = JSON.stringify(shown);

  it('contains no secret, wherever it was configured', () => {
    for (const [name, secret] of Object.entries(SECRETS)) expect(text, name).not.toContain(secret);
  });

  it('keeps everything else readable: URLs without their passwords, names, numbers', () => {
    const c = shown as { secretKey: string; auth: { adminPassword: string }; database: { url: string }; server: { port: number }; files: { roots: Record<string, unknown> } };
    expect(c.secretKey).toBe('<redacted>');
    expect(c.auth.adminPassword).toBe('<redacted>');
    expect(c.database.url).toBe('postgres://portico:<redacted>@db.internal:5432/portico');
    expect((shown as { redis: { url: string } }).redis.url).toBe('redis://:<redacted>@cache.internal:6379/0');
    expect(c.server.port).toBe(8080);
    expect(Object.keys(c.files.roots)).toEqual(['templates', 'static']);
    expect(Object.keys((shown as { mcpServers: Record<string, unknown> }).mcpServers)).toEqual(['github', 'remote']);
  });

  it('leaves the frozen configuration itself untouched', () => {
    expect(config.auth.adminPassword).toBe(SECRETS.adminPassword);
  });
});

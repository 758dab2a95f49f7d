import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configKeys } from '../../src/config/config-keys.js';
import { renderConfigDocs } from '../../src/config/config-docs.js';
import { loadConfig } from '../../src/config/load-config.js';
import { redactConfig, redactUrl } from '../../src/config/redact-config.js';
import type { PorticoError } from '../../src/core/errors.js';
import { tempDir } from '../helpers/temp-dir.js';

const dir = tempDir();
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const failure = (fn: () => unknown): PorticoError => {
  try {
    fn();
  } catch (err) {
    return err as PorticoError;
  }
  throw new Error('expected a failure');
};

describe('loadConfig', () => {
  it('fills every key from defaults', () => {
    const config = loadConfig({ env: {} });
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.server.port).toBe(8080);
    expect(config.dataDir).toBe('./data');
    expect(config.database.url).toBeUndefined();
    expect(config.log.level).toBe('info');
    expect(Object.isFrozen(config.server)).toBe(true);
  });

  it('layers file < environment < flags', () => {
    const yaml = file('layers.yaml', 'server:\n  port: 9000\n  host: 0.0.0.0\nlog:\n  level: debug\n');
    const fromFile = loadConfig({ configFile: yaml, env: {} });
    expect(fromFile.server.port).toBe(9000);
    const withEnv = loadConfig({ configFile: yaml, env: { PORTICO_PORT: '9001', LOG_LEVEL: 'warn' } });
    expect(withEnv.server.port).toBe(9001);
    expect(withEnv.log.level).toBe('warn');
    expect(withEnv.server.host).toBe('0.0.0.0');
    const withFlags = loadConfig({ configFile: yaml, env: { PORTICO_PORT: '9001' }, flags: { 'server.port': '9002' } });
    expect(withFlags.server.port).toBe(9002);
  });

  it('reads JSON files and PORTICO_CONFIG', () => {
    const json = file('c.json', JSON.stringify({ cors: { origins: ['https://a.example'] } }));
    expect(loadConfig({ env: { PORTICO_CONFIG: json } }).cors.origins).toEqual(['https://a.example']);
  });

  it('maps the documented environment variables and generated PORTICO_* names', () => {
    const config = loadConfig({
      env: {
        PORTICO_HOST: '::1',
        PORTICO_DATA_DIR: '/tmp/x',
        DATABASE_URL: 'postgres://u:p@127.0.0.1/db',
        REDIS_URL: 'redis://127.0.0.1:6379',
        PORTICO_SERVER__SHUTDOWN_GRACE_MS: '250',
        PORTICO_CORS__ORIGINS: 'https://a.example, https://b.example',
        PORTICO_AUTH__DISABLED: 'true',
      },
    });
    expect(config.server.host).toBe('::1');
    expect(config.dataDir).toBe('/tmp/x');
    expect(config.database.url).toBe('postgres://u:p@127.0.0.1/db');
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.server.shutdownGraceMs).toBe(250);
    expect(config.cors.origins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.auth.disabled).toBe(true);
  });

  it('refuses a bad environment value, naming the key, the variable and the expected form', () => {
    const err = failure(() => loadConfig({ env: { PORTICO_PORT: 'abc' } }));
    expect(err.code).toBe('config_invalid');
    expect(err.message).toContain('server.port');
    expect(err.message).toContain('PORTICO_PORT');
    expect(err.message).toContain('expected a number');
  });

  it('refuses unknown keys in a file, naming the key and the file', () => {
    const yaml = file('unknown.yaml', 'server:\n  prot: 80\n');
    const err = failure(() => loadConfig({ configFile: yaml, env: {} }));
    expect(err.code).toBe('config_invalid');
    expect(err.message).toContain('"server.prot"');
    expect(err.message).toContain(yaml);
    expect(err.message).toContain('port');
    const top = failure(() => loadConfig({ configFile: file('top.yaml', 'bogus: 1\n'), env: {} }));
    expect(top.message).toContain('"bogus"');
  });

  it('refuses out-of-range and wrongly typed values and bad enums', () => {
    expect(failure(() => loadConfig({ env: { PORTICO_PORT: '70000' } })).message).toContain('server.port');
    expect(failure(() => loadConfig({ env: { LOG_LEVEL: 'loud' } })).message).toMatch(/log\.level.*one of: fatal/);
    expect(failure(() => loadConfig({ env: { DATABASE_URL: 'mysql://x' } })).message).toContain('database.url');
    expect(failure(() => loadConfig({ configFile: file('t.yaml', 'server:\n  trustProxy: maybe\n'), env: {} })).message).toContain('server.trustProxy');
  });

  it('refuses unreadable and malformed files', () => {
    expect(failure(() => loadConfig({ configFile: join(dir, 'absent.yaml'), env: {} })).message).toContain('ENOENT');
    expect(failure(() => loadConfig({ configFile: file('bad.yaml', 'server: [unclosed\n'), env: {} })).code).toBe('config_invalid');
    expect(failure(() => loadConfig({ configFile: file('list.yaml', '- 1\n- 2\n'), env: {} })).message).toContain('mapping');
  });

  it('never echoes a secret environment value in an error', () => {
    const err = failure(() => loadConfig({ env: { PORTICO_SECRET_KEY: 'short-but-secret' } }));
    expect(err.message).toContain('secretKey');
    expect(err.message).not.toContain('short-but-secret');
  });
});

describe('redaction', () => {
  it('hides secrets and URL passwords but keeps the rest readable', () => {
    const config = loadConfig({
      env: { PORTICO_SECRET_KEY: 'A'.repeat(44), DATABASE_URL: 'postgres://app:hunter2@127.0.0.1:5432/prod', REDIS_URL: 'redis://:pw@127.0.0.1:6379' },
    });
    const shown = JSON.stringify(redactConfig(config));
    expect(shown).not.toContain('hunter2');
    expect(shown).not.toContain('A'.repeat(44));
    expect(shown).not.toContain(':pw@');
    expect(shown).toContain('postgres://app:<redacted>@127.0.0.1:5432/prod');
    expect(redactUrl('not a url')).toBe('<redacted>');
    expect(redactUrl('https://h/x?token=abc&page=2')).toBe('https://h/x?token=<redacted>&page=2');
  });
});

describe('configuration reference', () => {
  it('documents every key with its environment variable', () => {
    const docs = renderConfigDocs();
    for (const key of configKeys()) {
      expect(docs).toContain(`\`${key.dotted}\``);
      expect(docs).toContain(`\`${key.env}\``);
      expect(key.meta.description.length).toBeGreaterThan(5);
    }
  });
});

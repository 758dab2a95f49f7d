import { describe, expect, it } from 'vitest';
import { createUpstreamUrlPolicy } from '../../src/gateway/upstream-url-policy.js';

// The resolver is injected: nothing here resolves or connects anywhere.
const fakeDns: Record<string, string[]> = {
  'evil.example': ['93.184.216.34', '169.254.169.254'],
  'public.example': ['93.184.216.34'],
  'v6.example': ['fd00::1'],
};
const resolve = async (host: string) => {
  const found = fakeDns[host];
  if (!found) throw new Error('ENOTFOUND');
  return found;
};

const outcome = async (policy: ReturnType<typeof createUpstreamUrlPolicy>, url: string) => {
  try {
    await policy(url);
    return 'ok';
  } catch (err) {
    return (err as { code: string }).code;
  }
};

describe('upstream URL policy', () => {
  const policy = createUpstreamUrlPolicy({ allowLoopback: true, allowedHosts: ['10.1.0.0/16', 'internal.example', '192.168.7.7'], resolve });

  it.each([
    ['http://127.0.0.1:3000/mcp', 'ok'],
    ['http://localhost:3000/mcp', 'ok'],
    ['http://[::1]:3000/mcp', 'ok'],
    ['https://public.example/mcp', 'ok'],
    ['http://10.1.2.3/mcp', 'ok'],
    ['http://internal.example/mcp', 'ok'],
    ['http://192.168.7.7/mcp', 'ok'],
    ['http://169.254.169.254/latest/meta-data/', 'ssrf_refused'],
    ['http://[::ffff:169.254.169.254]/', 'ssrf_refused'],
    ['http://0xa9fea9fe/', 'ssrf_refused'],
    ['http://2852039166/', 'ssrf_refused'],
    ['http://10.0.0.1/', 'ssrf_refused'],
    ['http://172.16.5.4/', 'ssrf_refused'],
    ['http://192.168.1.1/', 'ssrf_refused'],
    ['http://100.64.0.1/', 'ssrf_refused'],
    ['http://0.0.0.0/', 'ssrf_refused'],
    ['http://[::]/', 'ssrf_refused'],
    ['http://[fd00::1]/', 'ssrf_refused'],
    ['http://[fe80::1]/', 'ssrf_refused'],
    ['http://evil.example/', 'ssrf_refused'],
    ['http://v6.example/', 'ssrf_refused'],
    ['http://unknown.example/', 'upstream_failed'],
    ['ftp://public.example/', 'validation_failed'],
    ['http://user:pass@127.0.0.1/', 'validation_failed'],
    ['not a url', 'validation_failed'],
  ])('%s → %s', async (url, expected) => {
    expect(await outcome(policy, url)).toBe(expected);
  });

  it('refuses loopback when allowLoopback is off, in every spelling', async () => {
    const strict = createUpstreamUrlPolicy({ allowLoopback: false, allowedHosts: [], resolve });
    for (const url of ['http://127.0.0.1/', 'http://127.1/', 'http://localhost/', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://0x7f000001/', 'http://api.localhost/']) {
      expect(await outcome(strict, url), url).toBe('ssrf_refused');
    }
  });
});

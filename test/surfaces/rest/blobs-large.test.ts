/**
 * A 1 GiB upload and download through REST against the built server in its own process, whose
 * resident memory (VmRSS in /proc/<pid>/status) must grow by less than 100 MB: the blob is
 * streamed both ways, never held in memory. Needs `npm run build`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPortico, servePortico, type ServingProcess } from '../../helpers/portico-process.js';
import { tempDir } from '../../helpers/temp-dir.js';

const GiB = 1024 ** 3;
const CHUNK = 256 * 1024;
const MB = 1000 * 1000;

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error('no VmRSS');
  return Number(match[1]) * 1024;
}

/** Samples a process's RSS until stopped; reports the peak. */
function rssSampler(pid: number) {
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssBytes(pid));
  }, 25);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssBytes(pid));
    },
  };
}

/** 1 GiB of distinct chunks, produced as the request body is pulled (never all in memory). */
function generatedBody(total: number, hash: ReturnType<typeof createHash>): ReadableStream<Uint8Array> {
  const pattern = randomBytes(CHUNK);
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      const chunk = Buffer.from(pattern);
      chunk.writeDoubleBE(sent, 0);
      hash.update(chunk);
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
}

describe.skipIf(process.platform !== 'linux')('1 GiB through REST in a separate server process', () => {
  let serving: ServingProcess | undefined;
  afterAll(async () => {
    await serving?.stop();
  });

  it('uploads and downloads 1 GiB with matching SHA-256, raising server RSS by less than 100 MB', { timeout: 300_000 }, async () => {
    const data = tempDir('portico-large-');
    const env = {
      PORTICO_PROVIDERS__BUILTIN: 'true',
      // Only the blobs provider matters here; the others that can be off are.
      PORTICO_DATABASES__ENABLED: 'false',
      PORTICO_FILES__ENABLED: 'false',
      PORTICO_PROMPTS__ENABLED: 'false',
      PORTICO_BLOBS__MAX_BYTES: String(2 * GiB),
      PORTICO_ADMIN_PASSWORD: 'large-blob-test-password',
      LOG_LEVEL: 'info',
    };
    const created = await runPortico(['keys', 'create', '--name', 'large', '--role', 'user', '--data', data], env);
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.trim();
    serving = await servePortico(['--data', data], env, 60_000);
    const pid = serving.child.pid!;
    const auth = { authorization: `Bearer ${key}` };

    // Warm up the code paths (and the allocator) with a small round trip before the baseline.
    const warm = await fetch(`${serving.url}/api/v1/blobs?filename=warm.bin`, { method: 'POST', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: randomBytes(4 * 1024 * 1024) });
    expect(warm.status).toBe(201);
    const warmed = (await warm.json()) as { sha256: string };
    await (await fetch(`${serving.url}/api/v1/blobs/${warmed.sha256}`, { headers: auth })).arrayBuffer();
    const baseline = rssBytes(pid);

    const sent = createHash('sha256');
    const uploadPeak = rssSampler(pid);
    const up = await fetch(`${serving.url}/api/v1/blobs?filename=huge.bin`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      body: generatedBody(GiB, sent),
      duplex: 'half',
    } as RequestInit);
    const afterUpload = uploadPeak.stop();
    expect(up.status).toBe(201);
    const record = (await up.json()) as { sha256: string; size: number };
    const expected = sent.digest('hex');
    expect(record).toMatchObject({ sha256: expected, size: GiB });

    const received = createHash('sha256');
    let receivedBytes = 0;
    const downloadPeak = rssSampler(pid);
    const down = await fetch(`${serving.url}/api/v1/blobs/${expected}`, { headers: auth });
    expect(down.status).toBe(200);
    expect(down.headers.get('content-length')).toBe(String(GiB));
    for await (const chunk of down.body as unknown as AsyncIterable<Uint8Array>) {
      received.update(chunk);
      receivedBytes += chunk.byteLength;
    }
    const afterDownload = downloadPeak.stop();
    expect(receivedBytes).toBe(GiB);
    expect(received.digest('hex')).toBe(expected);

    const growth = Math.max(afterUpload, afterDownload) - baseline;
    console.log(`server RSS: baseline ${(baseline / MB).toFixed(1)} MB, peak during upload ${(afterUpload / MB).toFixed(1)} MB, during download ${(afterDownload / MB).toFixed(1)} MB`);
    expect(growth).toBeLessThan(100 * MB);
    // Nothing left in the temp directory.
    expect(readdirSync(join(data, 'blobs', '.tmp'))).toEqual([]);
  });
});

/**
 * /api/v1/blobs against a real server: uploads (raw and multipart) and downloads with matching
 * SHA-256, dedup, MIME checks, ranges, conditional requests, limits that store nothing, hostile
 * ids and filenames, and who may do what.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../../helpers/http.js';
import { PNG_1X1, startBlobServer, type BlobServer } from '../../providers/blobs/blob-server.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const MAX = 1024 * 1024;

interface Sent {
  status: number;
  headers: Headers;
  body: Json;
  bytes: Buffer;
}

async function send(url: string, init: RequestInit & { key?: string } = {}): Promise<Sent> {
  const headers = new Headers(init.headers);
  if (init.key) headers.set('authorization', `Bearer ${init.key}`);
  const res = await fetch(url, { ...init, headers, ...(init.body instanceof ReadableStream ? { duplex: 'half' } : {}) } as RequestInit);
  const bytes = Buffer.from(await res.arrayBuffer());
  let body: Json;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, bytes };
}

/** Every file under the blob directory (shards and temp files). */
function blobFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('REST /api/v1/blobs', async () => {
  // A small JSON body limit, to show uploads are not held to it.
  const JSON_LIMIT = 64 * 1024;
  const env = { PORTICO_BLOBS__MAX_BYTES: String(MAX), PORTICO_SERVER__BODY_LIMIT_BYTES: String(JSON_LIMIT) };
  let b: BlobServer;
  let api: string;
  beforeAll(async () => {
    b = await startBlobServer(env);
    api = `${b.url}/api/v1/blobs`;
  });
  const upload = (data: Uint8Array, filename: string, key: string, headers: Record<string, string> = {}) =>
    send(`${api}?filename=${encodeURIComponent(filename)}`, { method: 'POST', key, body: data, headers: { 'content-type': 'application/octet-stream', ...headers } });

  it('uploads a raw body and downloads the same bytes, with honest headers', async () => {
    const data = randomBytes(200_000);
    const up = await upload(data, 'random.bin', b.keys.user);
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ sha256: sha(data), size: data.length, filename: 'random.bin', mime_type: 'application/octet-stream', owner_id: b.ids.user, deduplicated: false, uri: `portico://blobs/${sha(data)}` });
    expect(up.headers.get('location')).toBe(`/api/v1/blobs/${sha(data)}`);
    const down = await send(`${api}/${sha(data)}`, { key: b.keys.readonly });
    expect(down.status).toBe(200);
    expect(sha(down.bytes)).toBe(sha(data));
    expect(down.headers.get('content-type')).toBe('application/octet-stream');
    expect(down.headers.get('content-length')).toBe(String(data.length));
    expect(down.headers.get('etag')).toBe(`"${sha(data)}"`);
    expect(down.headers.get('accept-ranges')).toBe('bytes');
    expect(down.headers.get('content-disposition')).toBe(`attachment; filename="random.bin"; filename*=UTF-8''random.bin`);
  });

  it('deduplicates: the same bytes again return the first record with 200', async () => {
    const data = Buffer.from('dedup me please');
    const first = await upload(data, 'first.txt', b.keys.user);
    const second = await upload(data, 'second.txt', b.keys.user2);
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ sha256: first.body.sha256, filename: 'first.txt', owner_id: b.ids.user, deduplicated: true });
    const listed = await send(`${api}?filename=first.txt`, { key: b.keys.user });
    expect(listed.body.items).toHaveLength(1);
  });

  it('uploads multipart/form-data with metadata, sniffing the type', async () => {
    const form = new FormData();
    form.append('metadata', JSON.stringify({ alt: 'a dot' }));
    form.append('file', new Blob([PNG_1X1], { type: 'image/png' }), 'dot.png');
    const up = await send(api, { method: 'POST', key: b.keys.ai_agent, body: form });
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ sha256: sha(PNG_1X1), filename: 'dot.png', mime_type: 'image/png', size: PNG_1X1.length, metadata: { alt: 'a dot' } });
    const down = await send(`${api}/${sha(PNG_1X1)}`, { key: b.keys.user });
    expect(down.headers.get('content-type')).toBe('image/png');
    expect(down.bytes).toEqual(PNG_1X1);
  });

  it('takes the filename from X-Filename and encodes any filename safely on the way out', async () => {
    const name = 'résumé "final";\tx.txt';
    const data = Buffer.from('a résumé');
    const tab = await send(api, { method: 'POST', key: b.keys.user, body: data, headers: { 'content-type': 'text/plain', 'x-filename': encodeURIComponent(name) } });
    expect(tab.status).toBe(400);
    expect(tab.body.error.code).toBe('validation_failed');
    const clean = 'résumé "final"; x.txt';
    const up = await send(api, { method: 'POST', key: b.keys.user, body: data, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-filename': encodeURIComponent(clean) } });
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ filename: clean, mime_type: 'text/plain' });
    const down = await send(`${api}/${up.body.sha256}`, { key: b.keys.user });
    const disposition = down.headers.get('content-disposition')!;
    expect(disposition).toBe(`attachment; filename="r_sum_ _final_; x.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22%3B%20x.txt`);
    expect(decodeURIComponent(disposition.split("UTF-8''")[1]!)).toBe(clean);
    for (const bad of ['../../etc/passwd', 'a/b.txt', 'a\\b.txt', '..']) {
      const refused = await upload(Buffer.from('x'), bad, b.keys.user);
      expect(refused.status, bad).toBe(400);
    }
    const missing = await send(api, { method: 'POST', key: b.keys.user, body: 'no name', headers: { 'content-type': 'text/plain' } });
    expect(missing.status).toBe(400);
    const badEncoding = await send(api, { method: 'POST', key: b.keys.user, body: 'x', headers: { 'content-type': 'text/plain', 'x-filename': '%E0%A4%A' } });
    expect(badEncoding.body.error.code).toBe('validation_failed');
    const badMetadata = await send(`${api}?filename=m.txt&metadata=${encodeURIComponent('[1,2]')}`, { method: 'POST', key: b.keys.user, body: 'x', headers: { 'content-type': 'text/plain' } });
    expect(badMetadata.body.error.code).toBe('validation_failed');
    const noFile = new FormData();
    noFile.append('metadata', '{}');
    const noFilePart = await send(api, { method: 'POST', key: b.keys.user, body: noFile });
    expect(noFilePart.status).toBe(400);
    expect(noFilePart.body.error.code).toBe('validation_failed');
  });

  describe('MIME type checks', () => {
    it('refuses content that is not what it claims, and stores nothing', async () => {
      const text = Buffer.from('just some text, honestly');
      const claimsPng = await upload(text, 'fake.png', b.keys.user, { 'content-type': 'image/png' });
      expect(claimsPng.status).toBe(415);
      expect(claimsPng.body.error).toMatchObject({ code: 'blob_mime_mismatch', details: { declared: 'image/png', detected: null } });
      expect((await send(`${api}/${sha(text)}`, { key: b.keys.user })).status).toBe(404);
      const pngClaimsPdf = await upload(PNG_1X1, 'x.pdf', b.keys.user, { 'content-type': 'application/pdf' });
      expect(pngClaimsPdf.status).toBe(415);
      expect(pngClaimsPdf.body.error.details).toEqual({ declared: 'application/pdf', detected: 'image/png' });
      const binaryClaimsText = await upload(Buffer.from([0, 1, 2, 3, 0, 0, 255]), 'x.txt', b.keys.user, { 'content-type': 'text/plain' });
      expect(binaryClaimsText.status).toBe(415);
      expect(blobFiles(join(b.server.dataDir.blobsDir, '.tmp'))).toEqual([]);
    });

    it('accepts aliases, generic declarations and text variants', async () => {
      const jpgAlias = await upload(PNG_1X1, 'alias.png', b.keys.user, { 'content-type': 'image/x-png' });
      expect(jpgAlias.body.mime_type).toBe('image/png');
      const xml = Buffer.from('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>');
      const sitemap = await upload(xml, 'sitemap.xml', b.keys.user, { 'content-type': 'application/xml' });
      expect(sitemap.status).toBe(201);
      expect(sitemap.body.mime_type).toBe('application/xml');
      const byExtension = await upload(Buffer.from('# Title\n'), 'notes.md', b.keys.user);
      expect(byExtension.body.mime_type).toBe('text/markdown');
      const bad = await send(`${api}?filename=x.bin&mime_type=${encodeURIComponent('not a type')}`, { method: 'POST', key: b.keys.user, body: 'x' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('validation_failed');
    });
  });

  describe('ranges and conditional requests', () => {
    const data = randomBytes(1000);
    let url: string;
    beforeAll(async () => {
      const up = await upload(data, 'ranged.bin', b.keys.user);
      url = `${api}/${up.body.sha256}`;
    });
    const get = (headers: Record<string, string>) => send(url, { key: b.keys.user, headers });

    it('serves single byte ranges with 206 and Content-Range', async () => {
      const cases: [string, number, number][] = [
        ['bytes=0-9', 0, 9],
        ['bytes=990-', 990, 999],
        ['bytes=-5', 995, 999],
        ['bytes=500-5000', 500, 999],
        ['bytes=0-0', 0, 0],
      ];
      for (const [range, start, end] of cases) {
        const res = await get({ range });
        expect(res.status, range).toBe(206);
        expect(res.headers.get('content-range'), range).toBe(`bytes ${start}-${end}/1000`);
        expect(res.headers.get('content-length'), range).toBe(String(end - start + 1));
        expect(res.bytes, range).toEqual(data.subarray(start, end + 1));
      }
    });

    it('answers 416 for a range outside the content and ignores ranges it does not support', async () => {
      const outside = await get({ range: 'bytes=1000-1200' });
      expect(outside.status).toBe(416);
      expect(outside.headers.get('content-range')).toBe('bytes */1000');
      expect(outside.body.error.code).toBe('range_not_satisfiable');
      for (const ignored of ['bytes=0-1,5-6', 'items=0-1', 'bytes=abc', 'bytes=9-3']) {
        const res = await get({ range: ignored });
        expect(res.status, ignored).toBe(200);
        expect(res.bytes.length, ignored).toBe(1000);
      }
      // If-Range with another validator: the whole content.
      expect((await get({ range: 'bytes=0-1', 'if-range': '"other"' })).status).toBe(200);
    });

    it('answers If-None-Match with 304 and HEAD with headers only', async () => {
      const etag = `"${sha(data)}"`;
      const notModified = await get({ 'if-none-match': `"x", W/${etag}` });
      expect(notModified.status).toBe(304);
      expect(notModified.bytes.length).toBe(0);
      expect((await get({ 'if-none-match': '"other"' })).status).toBe(200);
      const head = await send(url, { method: 'HEAD', key: b.keys.readonly });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe('1000');
      expect(head.headers.get('etag')).toBe(etag);
      expect(head.bytes.length).toBe(0);
    });
  });

  describe('limits', () => {
    it('refuses a body over blobs.maxBytes announced by Content-Length, storing nothing', async () => {
      const data = randomBytes(MAX + 1);
      const res = await upload(data, 'big.bin', b.keys.user);
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('payload_too_large');
      expect((await send(`${api}/${sha(data)}`, { key: b.keys.user })).status).toBe(404);
    });

    it('refuses a streamed (chunked) body once it passes the limit, leaving no temp file', async () => {
      const before = blobFiles(b.server.dataDir.blobsDir);
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent > 3 * MAX) return controller.close();
          sent += 64 * 1024;
          controller.enqueue(new Uint8Array(64 * 1024).fill(1));
        },
      });
      const res = await send(`${api}?filename=stream.bin`, { method: 'POST', key: b.keys.user, body, headers: { 'content-type': 'application/octet-stream' } }).catch((err: unknown) => ({ status: 0, err }) as unknown as Sent);
      // The server answers 413 and closes; some clients see the reset before the answer.
      if (res.status !== 0) {
        expect(res.status).toBe(413);
        expect(res.body.error.code).toBe('payload_too_large');
      }
      await new Promise((r) => setTimeout(r, 200));
      expect(blobFiles(b.server.dataDir.blobsDir)).toEqual(before);
    });

    it('refuses an oversized multipart file, leaving nothing', async () => {
      const before = blobFiles(b.server.dataDir.blobsDir);
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(MAX + 10)]), 'big.bin');
      const res = await send(api, { method: 'POST', key: b.keys.user, body: form }).catch(() => undefined);
      if (res) {
        expect(res.status).toBe(413);
        expect(res.body.error.code).toBe('payload_too_large');
      }
      await new Promise((r) => setTimeout(r, 200));
      expect(blobFiles(b.server.dataDir.blobsDir)).toEqual(before);
    });

    it('lifts the global JSON body limit for uploads only', async () => {
      const data = randomBytes(MAX);
      expect((await upload(data, 'exactly-max.bin', b.keys.user)).status).toBe(201);
      const json = await send(`${b.url}/api/v1/auth/login`, { method: 'POST', body: JSON.stringify({ username: 'x', password: 'y'.repeat(JSON_LIMIT) }), headers: { 'content-type': 'application/json' } });
      expect(json.status).toBe(413);
    });
  });

  describe('ids that are not a SHA-256', () => {
    it('refuses them with 400 before looking anything up', async () => {
      for (const id of ['..%2F..%2Fsecret.key', '..%2Fportico.db', 'ABCDEF'.padEnd(64, 'A'), 'a'.repeat(63), `${'a'.repeat(64)}%00`, '%2Fetc%2Fpasswd']) {
        const res = await send(`${api}/${id}`, { key: b.keys.admin });
        expect(res.status, id).toBe(400);
        expect(res.body.error.code, id).toBe('validation_failed');
        const del = await send(`${api}/${id}`, { method: 'DELETE', key: b.keys.admin });
        expect(del.status, id).toBe(400);
      }
      expect((await send(`${api}/${'0'.repeat(64)}`, { key: b.keys.admin })).status).toBe(404);
    });
  });

  describe('credentials and roles', () => {
    it('asks for a credential on every route and refuses a wrong one', async () => {
      const sha0 = '0'.repeat(64);
      const routes: [string, string][] = [
        ['GET', api],
        ['POST', `${api}?filename=a.txt`],
        ['GET', `${api}/${sha0}`],
        ['HEAD', `${api}/${sha0}`],
        ['DELETE', `${api}/${sha0}`],
      ];
      for (const [method, url] of routes) {
        const none = await send(url, { method, ...(method === 'POST' ? { body: 'x' } : {}) });
        expect(none.status, `${method} ${url}`).toBe(401);
        const wrong = await send(url, { method, key: 'pk_wrong_credential', ...(method === 'POST' ? { body: 'x' } : {}) });
        expect(wrong.status, `${method} ${url}`).toBe(401);
      }
    });

    it('lets readonly read but not upload or delete', async () => {
      const data = Buffer.from('readonly may not store this');
      const up = await upload(data, 'ro.txt', b.keys.readonly);
      expect(up.status).toBe(403);
      expect(up.body.error.code).toBe('forbidden');
      expect((await send(`${api}/${sha(data)}`, { key: b.keys.admin })).status).toBe(404);
      const mine = await upload(Buffer.from('owned by user'), 'owned.txt', b.keys.user);
      expect((await send(`${api}/${mine.body.sha256}`, { method: 'DELETE', key: b.keys.readonly })).status).toBe(403);
      expect((await send(api, { key: b.keys.readonly })).status).toBe(200);
    });

    it('lets the uploader or an admin delete, nobody else', async () => {
      const mine = await upload(Buffer.from('to be deleted'), 'del.txt', b.keys.user);
      const url = `${api}/${mine.body.sha256}`;
      const other = await send(url, { method: 'DELETE', key: b.keys.user2 });
      expect(other.status).toBe(403);
      expect((await send(url, { method: 'DELETE', key: b.keys.user })).status).toBe(204);
      expect((await send(url, { key: b.keys.user })).status).toBe(404);
      expect((await send(url, { method: 'DELETE', key: b.keys.user })).status).toBe(404);
      const theirs = await upload(Buffer.from('admin deletes this'), 'adm.txt', b.keys.user2);
      expect((await send(`${api}/${theirs.body.sha256}`, { method: 'DELETE', key: b.keys.admin })).status).toBe(204);
    });
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = (await send(`${b.url}/openapi.json`)).body;
    expect(Object.keys(doc.paths['/api/v1/blobs'])).toEqual(expect.arrayContaining(['get', 'post']));
    expect(Object.keys(doc.paths['/api/v1/blobs/{sha256}'])).toEqual(expect.arrayContaining(['get', 'delete']));
  });

  it('records uploads, downloads and refusals in the audit trail like the matching MCP calls', async () => {
    const data = Buffer.from('audited upload');
    const up = await upload(data, 'audited.txt', b.keys.user);
    await send(`${api}/${up.body.sha256}`, { key: b.keys.readonly });
    await upload(Buffer.from('refused'), 'refused.txt', b.keys.readonly);
    await new Promise((r) => setTimeout(r, 400));
    const events = async (query: string) => (await send(`${b.url}/api/v1/audit?${query}`, { key: b.keys.admin })).body.items as Json[];
    const uploads = await events(`target=upload_blob&principal=${encodeURIComponent(b.ids.user)}`);
    expect(uploads.find((e) => e.details?.sha256 === sha(data))).toMatchObject({ surface: 'rest', action: 'tools/call', outcome: 'ok', details: { size: data.length, deduplicated: false } });
    const reads = await events(`target=${encodeURIComponent(`portico://blobs/${sha(data)}`)}`);
    expect(reads[0]).toMatchObject({ surface: 'rest', action: 'resources/read', outcome: 'ok', principal_id: b.ids.readonly });
    const denied = await events(`target=upload_blob&principal=${encodeURIComponent(b.ids.readonly)}`);
    expect(denied[0]).toMatchObject({ outcome: 'denied', error_code: '403' });
  });

  it('lists with MIME prefix and filename filters and cursor pages', async () => {
    for (let i = 0; i < 5; i += 1) await upload(Buffer.from(`page item ${i}`), `paged-${i}.txt`, b.keys.user, { 'content-type': 'text/plain' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Sent = await send(`${api}?filename=paged-&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { key: b.keys.readonly });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((i: Json) => i.filename));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen.sort()).toEqual(['paged-0.txt', 'paged-1.txt', 'paged-2.txt', 'paged-3.txt', 'paged-4.txt']);
    const images = await send(`${api}?mime_type=image/`, { key: b.keys.readonly });
    expect(images.body.items.every((i: Json) => i.mime_type.startsWith('image/'))).toBe(true);
    expect(images.body.items.length).toBeGreaterThan(0);
    expect((await send(`${api}?limit=0`, { key: b.keys.readonly })).status).toBe(400);
    expect((await send(`${api}?cursor=bogus`, { key: b.keys.readonly })).status).toBe(400);
  });
});

describe('REST /api/v1/blobs with encryption at rest', async () => {
  it('round-trips and serves ranges from encrypted content', async () => {
    const b = await startBlobServer({ PORTICO_BLOBS__ENCRYPT_AT_REST: 'true' });
    const api = `${b.url}/api/v1/blobs`;
    const data = randomBytes(300_000);
    const up = await send(`${api}?filename=enc.bin`, { method: 'POST', key: b.keys.user, body: data, headers: { 'content-type': 'application/octet-stream' } });
    expect(up.status).toBe(201);
    const files = blobFiles(b.server.dataDir.blobsDir);
    expect(files.some((f) => f.endsWith(`${sha(data)}.enc`))).toBe(true);
    const whole = await send(`${api}/${sha(data)}`, { key: b.keys.user });
    expect(sha(whole.bytes)).toBe(sha(data));
    const part = await send(`${api}/${sha(data)}`, { key: b.keys.user, headers: { range: 'bytes=65530-131080' } });
    expect(part.status).toBe(206);
    expect(part.bytes).toEqual(data.subarray(65530, 131081));
  });
});

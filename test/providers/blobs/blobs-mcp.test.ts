/**
 * Blobs over MCP with a real SDK client: upload_blob / list_blobs / delete_blob and the
 * portico://blobs resources, and that they agree with REST (same bytes, same hash).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/client';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../../helpers/http.js';
import { mcpClient, PNG_1X1, startBlobServer, type BlobServer } from './blob-server.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const INLINE = 64 * 1024;

/** The JSON error a blob tool returns as its result (`{"error":{code,message,details}}`). */
function toolError(result: Json): Json {
  expect(result.isError).toBe(true);
  return JSON.parse(result.content[0].text).error;
}

describe('blobs over MCP', async () => {
  let b: BlobServer;
  let user: Client;
  let user2: Client;
  let reader: Client;
  beforeAll(async () => {
    b = await startBlobServer({ PORTICO_BLOBS__MAX_INLINE_BYTES: String(INLINE), PORTICO_BLOBS__MAX_BYTES: String(512 * 1024) });
    user = await mcpClient(b.url, b.keys.user, 'user');
    user2 = await mcpClient(b.url, b.keys.user2, 'user2');
    reader = await mcpClient(b.url, b.keys.readonly, 'reader');
  });
  const upload = (client: Client, data: Buffer, filename: string, mime_type?: string, extra: Json = {}) =>
    client.callTool({ name: 'upload_blob', arguments: { filename, content: data.toString('base64'), ...(mime_type ? { mime_type } : {}), ...extra } }) as Promise<Json>;

  it('uploads, and reads back the same bytes as text or base64 by type', async () => {
    const text = Buffer.from('hello from an agent ✓');
    const up = await upload(user, text, 'hello.txt', 'text/plain', { metadata: { source: 'test' } });
    expect(up.isError).toBeFalsy();
    expect(up.structuredContent).toMatchObject({ uri: `portico://blobs/${sha(text)}`, sha256: sha(text), size: text.length, mime_type: 'text/plain', filename: 'hello.txt', deduplicated: false, metadata: { source: 'test' } });
    expect(up.content).toContainEqual({ type: 'resource_link', uri: `portico://blobs/${sha(text)}`, name: 'hello.txt', mimeType: 'text/plain', size: text.length });
    const readText = await user.readResource({ uri: `portico://blobs/${sha(text)}` });
    expect(readText.contents[0]).toMatchObject({ uri: `portico://blobs/${sha(text)}`, mimeType: 'text/plain', text: text.toString('utf8') });

    const binary = randomBytes(10_000);
    const upBinary = await upload(user, binary, 'noise.bin');
    expect(upBinary.structuredContent.mime_type).toBe('application/octet-stream');
    const readBinary = await reader.readResource({ uri: upBinary.structuredContent.uri });
    const content = readBinary.contents[0] as Json;
    expect(content.mimeType).toBe('application/octet-stream');
    expect(sha(Buffer.from(content.blob, 'base64'))).toBe(sha(binary));
  });

  it('agrees with REST: an MCP upload downloads byte for byte, and a REST upload reads over MCP', async () => {
    const data = randomBytes(30_000);
    const up = await upload(user, data, 'cross.bin');
    const res = await fetch(`${b.url}/api/v1/blobs/${sha(data)}`, { headers: { authorization: `Bearer ${b.keys.readonly}` } });
    expect(sha(Buffer.from(await res.arrayBuffer()))).toBe(up.structuredContent.sha256);
    const restUp = await fetch(`${b.url}/api/v1/blobs?filename=dot.png`, { method: 'POST', headers: { authorization: `Bearer ${b.keys.user}`, 'content-type': 'image/png' }, body: PNG_1X1 });
    expect(restUp.status).toBe(201);
    const read = (await user.readResource({ uri: `portico://blobs/${sha(PNG_1X1)}` })).contents[0] as Json;
    expect(read.mimeType).toBe('image/png');
    expect(Buffer.from(read.blob, 'base64')).toEqual(PNG_1X1);
  });

  it('deduplicates identical content', async () => {
    const data = Buffer.from('same content, two uploads');
    const first = await upload(user, data, 'one.txt');
    const second = await upload(user2, data, 'two.txt');
    expect(second.structuredContent).toMatchObject({ sha256: first.structuredContent.sha256, filename: 'one.txt', owner_id: b.ids.user, deduplicated: true });
  });

  it('completes the {sha256} of the blob template from a typed prefix', async () => {
    const data = Buffer.from('complete my hash');
    await upload(user, data, 'complete.txt');
    const ref = { type: 'ref/resource' as const, uri: 'portico://blobs/{sha256}' };
    const { completion } = await reader.complete({ ref, argument: { name: 'sha256', value: sha(data).slice(0, 8).toUpperCase() } });
    expect(completion.values).toEqual([sha(data)]);
    expect((await reader.complete({ ref, argument: { name: 'sha256', value: 'zz' } })).completion.values).toEqual([]);
  });

  it('reports a MIME mismatch with its code and stores nothing', async () => {
    const notPng = Buffer.from('this is not a PNG at all');
    const error = toolError(await upload(user, notPng, 'fake.png', 'image/png'));
    expect(error).toMatchObject({ code: 'blob_mime_mismatch', details: { declared: 'image/png', detected: null } });
    const pngAsJpeg = toolError(await upload(user, PNG_1X1, 'x.jpg', 'image/jpeg'));
    expect(pngAsJpeg.details).toEqual({ declared: 'image/jpeg', detected: 'image/png' });
    await expect(user.readResource({ uri: `portico://blobs/${sha(notPng)}` })).rejects.toThrow(/not found/i);
  });

  it('refuses content over blobs.maxBytes and bad base64', async () => {
    const tooBig = toolError(await upload(user, Buffer.alloc(512 * 1024 + 1), 'big.bin'));
    expect(tooBig.code).toBe('payload_too_large');
    const bad = toolError(await user.callTool({ name: 'upload_blob', arguments: { filename: 'x.bin', content: 'not*base64!' } }));
    expect(bad.code).toBe('validation_failed');
    const traversal = toolError(await upload(user, Buffer.from('x'), '../../etc/passwd'));
    expect(traversal.code).toBe('validation_failed');
  });

  it('does not inline blobs above maxInlineBytes and names the REST download URL instead', async () => {
    const big = randomBytes(INLINE + 1);
    const up = await upload(user, big, 'large.bin');
    const attempt = user.readResource({ uri: up.structuredContent.uri });
    await expect(attempt).rejects.toThrow(`/api/v1/blobs/${sha(big)}`);
  });

  it('refuses resource ids that are not a SHA-256', async () => {
    for (const id of ['..%2F..%2Fsecret.key', 'ABC', 'a'.repeat(63), `${'A'.repeat(64)}`]) {
      await expect(user.readResource({ uri: `portico://blobs/${id}` }), id).rejects.toThrow();
    }
    await expect(user.readResource({ uri: `portico://blobs/${'0'.repeat(64)}` })).rejects.toThrow(/not found/i);
  });

  it('lists with a MIME prefix, a filename search and cursor pages, as a tool and as a resource', async () => {
    for (let i = 0; i < 5; i += 1) await upload(user, Buffer.from(`listed ${i}`), `listed-${i}.txt`, 'text/plain');
    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (await reader.callTool({ name: 'list_blobs', arguments: { filename: 'LISTED-', limit: 2, ...(cursor ? { cursor } : {}) } })) as Json;
      expect(page.structuredContent.blobs.length).toBeLessThanOrEqual(2);
      names.push(...page.structuredContent.blobs.map((x: Json) => x.filename));
      cursor = page.structuredContent.next_cursor ?? undefined;
    } while (cursor);
    expect(names.sort()).toEqual(['listed-0.txt', 'listed-1.txt', 'listed-2.txt', 'listed-3.txt', 'listed-4.txt']);
    const images = (await reader.callTool({ name: 'list_blobs', arguments: { mime_type: 'image/' } })) as Json;
    expect(images.structuredContent.blobs.map((x: Json) => x.mime_type)).toEqual(['image/png']);
    const listing = JSON.parse(((await reader.readResource({ uri: 'portico://blobs' })).contents[0] as Json).text);
    expect(listing.blobs.map((x: Json) => x.filename)).toEqual(expect.arrayContaining(['listed-4.txt', 'dot.png', 'hello.txt']));
  });

  it('hides the writing tools from a principal without blobs:write', async () => {
    const { tools } = await reader.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toContain('list_blobs');
    expect(names).not.toContain('upload_blob');
    expect(names).not.toContain('delete_blob');
    const refused = (await reader.callTool({ name: 'upload_blob', arguments: { filename: 'x.txt', content: 'eA==' } }).catch((e: unknown) => e)) as Json;
    // Unknown to it: the same answer as a tool that does not exist.
    expect(String(refused.message ?? JSON.stringify(refused))).toMatch(/Unknown tool: upload_blob/);
    const { tools: userTools } = await user.listTools();
    expect(userTools.map((t) => t.name)).toEqual(expect.arrayContaining(['upload_blob', 'list_blobs', 'delete_blob']));
    const { resourceTemplates } = await reader.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain('portico://blobs/{sha256}');
  });

  it('works the same for a modern-era (2026-07-28) client', async () => {
    const modernReader = await mcpClient(b.url, b.keys.readonly, 'modern-reader', 'modern');
    const modernUser = await mcpClient(b.url, b.keys.user, 'modern-user', 'modern');
    expect((await modernReader.listTools()).tools.map((t) => t.name)).not.toContain('upload_blob');
    const data = Buffer.from('modern era upload');
    const up = (await modernUser.callTool({ name: 'upload_blob', arguments: { filename: 'modern.txt', content: data.toString('base64') } })) as Json;
    expect(up.structuredContent.sha256).toBe(sha(data));
    expect(((await modernReader.readResource({ uri: up.structuredContent.uri })).contents[0] as Json).text).toBe('modern era upload');
  });

  it('deletes only what the caller uploaded', async () => {
    const data = Buffer.from('delete me over MCP');
    const up = await upload(user, data, 'gone.txt');
    const notMine = toolError(await user2.callTool({ name: 'delete_blob', arguments: { sha256: up.structuredContent.sha256 } }));
    expect(notMine.code).toBe('forbidden');
    const done = (await user.callTool({ name: 'delete_blob', arguments: { sha256: up.structuredContent.sha256 } })) as Json;
    expect(done.structuredContent).toEqual({ sha256: sha(data), deleted: true });
    const again = (await user.callTool({ name: 'delete_blob', arguments: { sha256: up.structuredContent.sha256 } })) as Json;
    expect(again.structuredContent.deleted).toBe(false);
    expect(toolError(await user.callTool({ name: 'delete_blob', arguments: { sha256: '../portico.db' } })).code).toBe('validation_failed');
  });
});

describe('blobs over MCP: credentials and the URI scheme', () => {
  it('refuses a missing or wrong credential, and follows mcp.uriScheme', async () => {
    const b = await startBlobServer({ PORTICO_MCP__URI_SCHEME: 'acme' });
    for (const auth of [undefined, 'Bearer pk_not_a_real_key']) {
      const res = await fetch(`${b.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(auth ? { authorization: auth } : {}) },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
      });
      expect(res.status).toBe(401);
    }
    const agent = await mcpClient(b.url, b.keys.ai_agent, 'agent');
    const up = (await agent.callTool({ name: 'upload_blob', arguments: { filename: 'a.txt', content: Buffer.from('scheme').toString('base64') } })) as Json;
    expect(up.structuredContent.uri).toBe(`acme://blobs/${sha(Buffer.from('scheme'))}`);
    expect(((await agent.readResource({ uri: up.structuredContent.uri })).contents[0] as Json).text).toBe('scheme');
  });
});

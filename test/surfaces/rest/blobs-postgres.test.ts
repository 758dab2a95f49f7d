/**
 * Blobs on PostgreSQL end to end (when TEST_DATABASE_URL is set): REST upload with dedup, MCP
 * listing and reading, a range, and delete, with the metadata in a throwaway schema.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Json } from '../../helpers/http.js';
import { mcpClient, startBlobServer } from '../../providers/blobs/blob-server.js';
import { dropPostgresSchemas } from '../../helpers/dialects.js';

const url = process.env.TEST_DATABASE_URL;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe.runIf(url)('blobs with PostgreSQL metadata', () => {
  const schema = `t_blobs_${randomBytes(5).toString('hex')}`;
  afterAll(() => dropPostgresSchemas(schema));

  it('uploads, deduplicates, lists, reads, ranges and deletes', async () => {
    const b = await startBlobServer({ DATABASE_URL: url!, PORTICO_DATABASE__SCHEMA: schema });
    expect(b.server.database.dialect).toBe('postgres');
    const api = `${b.url}/api/v1/blobs`;
    const auth = { authorization: `Bearer ${b.keys.user}` };
    const data = randomBytes(100_000);
    const post = () => fetch(`${api}?filename=pg.bin`, { method: 'POST', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: data });
    const first = await post();
    expect(first.status).toBe(201);
    const second = await post();
    expect(second.status).toBe(200);
    expect(((await second.json()) as Json).deduplicated).toBe(true);

    const client = await mcpClient(b.url, b.keys.readonly, 'pg-reader');
    const listed = (await client.callTool({ name: 'list_blobs', arguments: { filename: 'pg.' } })) as Json;
    expect(listed.structuredContent.blobs).toEqual([expect.objectContaining({ sha256: sha(data), size: data.length, owner_id: b.ids.user })]);
    const read = (await client.readResource({ uri: `portico://blobs/${sha(data)}` })).contents[0] as Json;
    expect(sha(Buffer.from(read.blob, 'base64'))).toBe(sha(data));

    const part = await fetch(`${api}/${sha(data)}`, { headers: { ...auth, range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(data.subarray(100, 200));
    expect((await fetch(`${api}/${sha(data)}`, { method: 'DELETE', headers: auth })).status).toBe(204);
    expect((await fetch(`${api}/${sha(data)}`, { headers: auth })).status).toBe(404);
  });
});

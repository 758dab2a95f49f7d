/** The MIME policy: sniffed type vs declared type, and what is refused. */
import { describe, expect, it } from 'vitest';
import { decideMimeType, normalizeMimeType } from '../../../src/providers/blobs/mime-policy.js';
import { PNG_1X1 } from './blob-server.js';

const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n');
const decide = (head: Buffer, filename: string, declared?: string) => decideMimeType(head, filename, declared);

describe('MIME policy', () => {
  it('uses the sniffed type when nothing (or octet-stream) is declared', async () => {
    expect(await decide(PNG_1X1, 'x')).toEqual({ mimeType: 'image/png', detected: 'image/png' });
    expect(await decide(PDF, 'x', 'application/octet-stream')).toEqual({ mimeType: 'application/pdf', detected: 'application/pdf' });
  });

  it('falls back to the extension for text, then to text/plain or octet-stream', async () => {
    expect((await decide(Buffer.from('body { color: red }'), 'site.css')).mimeType).toBe('text/css');
    expect((await decide(Buffer.from('plain words'), 'README')).mimeType).toBe('text/plain');
    expect((await decide(Buffer.from([0, 159, 146, 150]), 'data.css')).mimeType).toBe('application/octet-stream');
    // A multi-byte character cut at the end of the sample still counts as text.
    expect((await decide(Buffer.from('é', 'utf8').subarray(0, 1), 'cut.txt')).mimeType).toBe('text/plain');
  });

  it('keeps a declared type that agrees, resolving aliases and parameters', async () => {
    expect((await decide(PNG_1X1, 'x', 'IMAGE/PNG; q=1')).mimeType).toBe('image/png');
    expect((await decide(PNG_1X1, 'x', 'image/x-png')).mimeType).toBe('image/png');
    expect((await decide(Buffer.from('<?xml version="1.0"?><svg/>'), 'x.svg', 'image/svg+xml')).mimeType).toBe('image/svg+xml');
    expect((await decide(Buffer.from('# md'), 'x.md', 'text/markdown')).mimeType).toBe('text/markdown');
  });

  it('refuses a declared type the content contradicts', async () => {
    await expect(decide(PNG_1X1, 'x', 'application/pdf')).rejects.toMatchObject({ code: 'blob_mime_mismatch', details: { declared: 'application/pdf', detected: 'image/png' } });
    await expect(decide(Buffer.from('not an image'), 'x', 'image/jpeg')).rejects.toMatchObject({ code: 'blob_mime_mismatch', details: { declared: 'image/jpeg', detected: null } });
    await expect(decide(Buffer.from([1, 0, 2]), 'x', 'application/json')).rejects.toMatchObject({ code: 'blob_mime_mismatch' });
  });

  it('refuses malformed types', () => {
    for (const bad of ['png', 'image/', '/png', 'a b/c', 'text/plain\r\nx: y']) expect(() => normalizeMimeType(bad), bad).toThrow(/not a MIME type/);
  });
});

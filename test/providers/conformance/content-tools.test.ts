import { crc32, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ContentBlock } from '../../../src/core/catalog/mcp-shapes.js';
import { completed, startFixture, textOf } from './fixture-harness.js';

const fixture = await startFixture();

function only<T extends ContentBlock['type']>(content: ContentBlock[], type: T): Extract<ContentBlock, { type: T }> {
  const found = content.filter((c) => c.type === type);
  expect(found).toHaveLength(1);
  return found[0] as Extract<ContentBlock, { type: T }>;
}

/** Walk PNG chunks, checking every CRC; returns the chunk types and the decoded IHDR size. */
function parsePng(bytes: Buffer) {
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const types: string[] = [];
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  for (let at = 8; at < bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('ascii', at + 4, at + 8);
    const data = bytes.subarray(at + 8, at + 8 + length);
    expect(bytes.readUInt32BE(at + 8 + length), `CRC of ${type}`).toBe(crc32(bytes.subarray(at + 4, at + 8 + length)));
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
    }
    if (type === 'IDAT') idat.push(data);
    types.push(type);
    at += 12 + length;
  }
  return { types, width, height, pixels: inflateSync(Buffer.concat(idat)) };
}

describe('content tools', () => {
  it('test_simple_text returns the fixed text', async () => {
    const result = completed(await fixture.call('test_simple_text'));
    expect(result).toEqual({ content: [{ type: 'text', text: 'This is a simple text response for testing.' }] });
  });

  it('test_image_content returns a valid 1x1 PNG', async () => {
    const image = only(completed(await fixture.call('test_image_content', {})).content, 'image');
    expect(image.mimeType).toBe('image/png');
    const png = parsePng(Buffer.from(image.data, 'base64'));
    expect(png.types).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect([png.width, png.height]).toEqual([1, 1]);
    expect(png.pixels).toHaveLength(1 + 4); // filter byte + one RGBA pixel
  });

  it('test_audio_content returns a consistent audio/wav file', async () => {
    const audio = only(completed(await fixture.call('test_audio_content')).content, 'audio');
    expect(audio.mimeType).toBe('audio/wav');
    const wav = Buffer.from(audio.data, 'base64');
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
    expect(wav.toString('ascii', 8, 16)).toBe('WAVEfmt ');
    expect(wav.readUInt16LE(20)).toBe(1); // PCM
    const [channels, rate, byteRate, blockAlign, bits] = [wav.readUInt16LE(22), wav.readUInt32LE(24), wav.readUInt32LE(28), wav.readUInt16LE(32), wav.readUInt16LE(34)];
    expect(byteRate).toBe((rate * channels * bits) / 8);
    expect(blockAlign).toBe((channels * bits) / 8);
    expect(wav.toString('ascii', 36, 40)).toBe('data');
    const dataLength = wav.readUInt32LE(40);
    expect(dataLength).toBeGreaterThan(0);
    expect(wav.length).toBe(44 + dataLength);
    // Not silence: a player should hear something.
    expect(new Set(wav.subarray(44)).size).toBeGreaterThan(2);
  });

  it('test_embedded_resource embeds a text resource', async () => {
    const block = only(completed(await fixture.call('test_embedded_resource')).content, 'resource');
    expect(block.resource).toEqual({ uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' });
  });

  it('test_multiple_content_types mixes text, image and resource', async () => {
    const { content } = completed(await fixture.call('test_multiple_content_types'));
    expect(content.map((c) => c.type)).toEqual(['text', 'image', 'resource']);
    expect(only(content, 'text').text).toBe('Multiple content types test:');
    const resource = only(content, 'resource').resource;
    expect(resource).toMatchObject({ uri: 'test://mixed-content-resource', mimeType: 'application/json' });
    expect('text' in resource && JSON.parse(resource.text)).toEqual({ test: 'data', value: 123 });
  });

  it('test_error_handling returns an isError result rather than throwing', async () => {
    const result = completed(await fixture.call('test_error_handling'));
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('This tool intentionally returns an error for testing');
  });

  it('echo returns its message, and rejects a call without one', async () => {
    expect(textOf(completed(await fixture.call('echo', { message: 'hi there' })))).toBe('hi there');
    const bad = completed(await fixture.call('echo', {}));
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/message/);
  });

  it('json_schema_2020_12_tool validates with its 2020-12 schema', async () => {
    const ok = completed(await fixture.call('json_schema_2020_12_tool', { name: 'Ada', contactMethod: 'phone', phone: '123', address: { city: 'X' } }));
    expect(ok.isError).toBeUndefined();
    expect(textOf(ok)).toContain('Ada');
    // if/then: contactMethod phone requires phone.
    expect(completed(await fixture.call('json_schema_2020_12_tool', { contactMethod: 'phone', email: 'a@b.c' })).isError).toBe(true);
    // additionalProperties: false.
    expect(completed(await fixture.call('json_schema_2020_12_tool', { email: 'a@b.c', extra: 1 })).isError).toBe(true);
  });
});

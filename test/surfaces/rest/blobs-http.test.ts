/** Range parsing, If-None-Match and Content-Disposition for blob downloads. */
import { describe, expect, it } from 'vitest';
import { contentDisposition, matchesIfNoneMatch, parseRange } from '../../../src/surfaces/rest/routes/blob-http.js';

describe('blob download headers', () => {
  it('parses single byte ranges and flags unsatisfiable ones', () => {
    expect(parseRange(undefined, 10)).toEqual({ kind: 'none' });
    expect(parseRange('bytes=2-4', 10)).toEqual({ kind: 'range', range: { start: 2, end: 4 } });
    expect(parseRange('bytes=8-', 10)).toEqual({ kind: 'range', range: { start: 8, end: 9 } });
    expect(parseRange('bytes=-3', 10)).toEqual({ kind: 'range', range: { start: 7, end: 9 } });
    expect(parseRange('bytes=-30', 10)).toEqual({ kind: 'range', range: { start: 0, end: 9 } });
    expect(parseRange('bytes=5-99', 10)).toEqual({ kind: 'range', range: { start: 5, end: 9 } });
    expect(parseRange('bytes=10-', 10)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', 10)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-0', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=99999999999999999999-', 10)).toEqual({ kind: 'unsatisfiable' });
    for (const ignored of ['bytes=1-2,4-5', 'lines=1-2', 'bytes=-', 'bytes=4-2', 'bytes 1-2']) expect(parseRange(ignored, 10), ignored).toEqual({ kind: 'none' });
  });

  it('matches If-None-Match lists, weak tags and *', () => {
    expect(matchesIfNoneMatch('"a", "b"', '"b"')).toBe(true);
    expect(matchesIfNoneMatch('W/"b"', '"b"')).toBe(true);
    expect(matchesIfNoneMatch('*', '"b"')).toBe(true);
    expect(matchesIfNoneMatch('"c"', '"b"')).toBe(false);
    expect(matchesIfNoneMatch(undefined, '"b"')).toBe(false);
  });

  it('keeps any filename inside the header', () => {
    expect(contentDisposition('report.pdf')).toBe(`attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
    const hostile = contentDisposition('a"; filename="evil.html\r\nSet-Cookie: x=1');
    expect(hostile).not.toMatch(/[\r\n]/);
    expect(hostile.startsWith('attachment; filename="a_; filename=_evil.html__Set-Cookie: x=1"; ')).toBe(true);
    expect(contentDisposition('日本.txt')).toBe(`attachment; filename="__.txt"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt`);
  });
});

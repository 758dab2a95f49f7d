import { describe, expect, it } from 'vitest';
import { PorticoError } from '../../../src/core/errors.js';
import { parseRelativePath } from '../../../src/providers/files/safe-path.js';

function refusal(path: string): PorticoError {
  try {
    parseRelativePath(path);
  } catch (err) {
    if (err instanceof PorticoError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(path)} to be refused`);
}

describe('parseRelativePath', () => {
  it('splits plain relative paths into segments', () => {
    expect(parseRelativePath('')).toEqual([]);
    expect(parseRelativePath('index.html')).toEqual(['index.html']);
    expect(parseRelativePath('blog/post.html')).toEqual(['blog', 'post.html']);
    expect(parseRelativePath('blog/')).toEqual(['blog']);
    expect(parseRelativePath('a b/ünï.html')).toEqual(['a b', 'ünï.html']);
    expect(parseRelativePath('..hidden/x..y')).toEqual(['..hidden', 'x..y']);
  });

  it.each([
    ['../etc/passwd', '".." segments'],
    ['blog/../../x', '".." segments'],
    ['..', '".." segments'],
    ['/etc/passwd', 'absolute'],
    ['C:/Windows/win.ini', 'absolute'],
    ['~/.ssh/id_rsa', 'absolute'],
    ['%2e%2e/etc/passwd', 'percent-encoding'],
    ['%2E%2E%2Fsecret', 'percent-encoding'],
    ['a%00b', 'percent-encoding'],
    ['index.html\u0000.png', 'NUL'],
    ['..\\..\\secret', 'backslashes'],
    ['a\\b', 'backslashes'],
    ['a//b', 'empty segments'],
    ['./a', '"." segments'],
    ['a/./b', '"." segments'],
    ['a\nb', 'control characters'],
    ['.portico-1234.tmp', 'reserved'],
    ['x'.repeat(1025), 'longer than'],
    [`${'y'.repeat(256)}/a`, 'segment is longer'],
  ])('refuses %j with path_not_allowed (%s)', (path, reason) => {
    const err = refusal(path);
    expect(err.code).toBe('path_not_allowed');
    expect(err.status).toBe(400);
    expect(err.message).toContain(reason);
  });

  it('never echoes raw control characters back', () => {
    const err = refusal('a\u0000b');
    expect(JSON.stringify(err.details)).toContain('\\\\u0000');
  });
});

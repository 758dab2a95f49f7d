/** The small pure parts of the model clients: Retry-After parsing and scrubbing keys out of API messages. */
import { describe, expect, it } from 'vitest';
import { ModelCallError, retryAfterFrom, scrubbed } from '../../../../src/providers/prompts/generation/model-client.js';

describe('model client helpers', () => {
  it('reads Retry-After as seconds, an HTTP date or retry-after-ms', () => {
    expect(retryAfterFrom(new Headers({ 'retry-after': '3' }))).toBe(3000);
    expect(retryAfterFrom(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
    const soon = new Date(Date.now() + 5_000).toUTCString();
    expect(retryAfterFrom(new Headers({ 'retry-after': soon }))).toBeGreaterThan(3_000);
    expect(retryAfterFrom(new Headers({ 'retry-after': 'whenever' }))).toBeUndefined();
    expect(retryAfterFrom(new Headers())).toBeUndefined();
    expect(retryAfterFrom(undefined)).toBeUndefined();
  });

  it('removes the API key and key-like tokens from a provider message, and keeps it short', () => {
    expect(scrubbed('Incorrect API key provided: my-own-secret-value-123.', 'my-own-secret-value-123')).toBe('Incorrect API key provided: [redacted].');
    expect(scrubbed('invalid x-api-key: sk-ant-api03-abcdefghijkl', undefined)).toBe('invalid x-api-key: [redacted]');
    expect(scrubbed('partial sk-proj-abc***wxyz shown', undefined)).not.toMatch(/abc/);
    expect(scrubbed('x'.repeat(1000), undefined)).toHaveLength(301);
    expect(scrubbed(undefined, 'k')).toBe('');
  });

  it('retries only what retrying can fix', () => {
    const http = (status: number) => new ModelCallError('http', 'm', { status }).retryable;
    expect([408, 409, 429, 500, 503, 529].map(http)).toEqual([true, true, true, true, true, true]);
    expect([400, 401, 403, 404, 422].map(http)).toEqual([false, false, false, false, false]);
    expect(new ModelCallError('timeout', 'm').retryable).toBe(true);
    expect(new ModelCallError('connection', 'm').retryable).toBe(true);
    expect(new ModelCallError('invalid_response', 'm').retryable).toBe(false);
    expect(new ModelCallError('cancelled', 'm').retryable).toBe(false);
  });
});

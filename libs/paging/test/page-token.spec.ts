import { ValidationError } from '@notify/errors';
import { decodePageToken, encodePageToken, PAGE_SIZE, resolvePageSize } from '../src';

describe('page tokens', () => {
  it('round-trips a keyset position', () => {
    const token = encodePageToken({ at: '2026-11-22T01:00:00.000Z', id: 'abc' });
    expect(token).not.toContain('{');
    expect(decodePageToken(token, ['at', 'id'] as const)).toEqual({ at: '2026-11-22T01:00:00.000Z', id: 'abc' });
  });

  it('rejects a token that is not ours, or lacks a key, as page_token', () => {
    expect(() => decodePageToken('not-a-token', ['id'] as const)).toThrow(ValidationError);
    const missing = encodePageToken({ id: 'x' });
    expect(() => decodePageToken(missing, ['id', 'at'] as const)).toThrow(/page_token/);
  });

  it('resolves page sizes: default for 0, capped at the max, rejects negative or fractional', () => {
    expect(resolvePageSize(0)).toBe(PAGE_SIZE.default);
    expect(resolvePageSize(undefined)).toBe(PAGE_SIZE.default);
    expect(resolvePageSize(7)).toBe(7);
    expect(resolvePageSize(10_000)).toBe(PAGE_SIZE.max);
    expect(() => resolvePageSize(-1)).toThrow(/page_size/);
    expect(() => resolvePageSize(1.5)).toThrow(ValidationError);
  });
});

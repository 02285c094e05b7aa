import { ValidationError } from '@notify/errors';
import { decodePageToken, encodePageToken, filtersFingerprint, PAGE_SIZE, resolvePageSize } from '../src';

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

  it('a token issued for some filters is refused for others (and one issued without filters where they are checked)', () => {
    const filters = { statuses: ['OPEN'], zone: 'Karawang' };
    const token = encodePageToken({ id: 'x' }, filters);
    expect(decodePageToken(token, ['id'] as const, { statuses: ['OPEN'], zone: 'Karawang' })).toMatchObject({ id: 'x' });
    expect(decodePageToken(token, ['id'] as const, { statuses: ['OPEN'], zone: 'Karawang', area: undefined })).toMatchObject({ id: 'x' });
    expect(() => decodePageToken(token, ['id'] as const, { statuses: ['CANCELLED'], zone: 'Karawang' })).toThrow('page_token: was issued for different filters');
    expect(() => decodePageToken(encodePageToken({ id: 'x' }), ['id'] as const, filters)).toThrow(ValidationError);
    expect(filtersFingerprint(filters)).toHaveLength(12);
    // Canonical: key order and the order of a set-like array do not matter.
    expect(filtersFingerprint({ zone: 'Karawang', statuses: ['OPEN', 'ASSIGNED'] })).toBe(filtersFingerprint({ statuses: ['ASSIGNED', 'OPEN'], zone: 'Karawang' }));
    expect(filtersFingerprint({ at: new Date(0) })).toBe(filtersFingerprint({ at: '1970-01-01T00:00:00.000Z' }));
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

import { createHash } from 'node:crypto';
import { ValidationError } from '@notify/errors';

/** The token key holding the filters' fingerprint (see {@link filtersFingerprint}). */
const FILTERS_KEY = '~f';

/**
 * A short fingerprint of a listing's filters (everything but the page): sha-256 of their
 * canonical JSON, 12 base64url characters. Canonical: object keys sorted, `undefined` members
 * left out (`{a: 1}` and `{a: 1, b: undefined}` match), arrays of strings / numbers taken as
 * sets (sorted, so `statuses: [OPEN, ASSIGNED]` matches `[ASSIGNED, OPEN]`), Dates as ISO text.
 */
export function filtersFingerprint(filters: unknown): string {
  return createHash('sha256').update(JSON.stringify(canonical(filters ?? null))).digest('base64url').slice(0, 12);
}

function canonical(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) {
    const items = value.map(canonical);
    return items.every((v) => typeof v === 'string' || typeof v === 'number') ? [...items].sort() : items;
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonical(v);
    }
    return out;
  }
  return value;
}

/**
 * Opaque page tokens: base64url of a small JSON keyset position. Callers must treat them as
 * opaque; an undecodable token is ValidationError(`page_token`). With `filters` (the
 * listing's filters), the token carries their {@link filtersFingerprint}, and
 * {@link decodePageToken} given other filters refuses it (common.proto PageRequest: "issued for
 * different filters → INVALID_ARGUMENT"; before, such a token silently skipped rows).
 */
export function encodePageToken(position: Record<string, string>, filters?: unknown): string {
  const body = filters === undefined ? position : { ...position, [FILTERS_KEY]: filtersFingerprint(filters) };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/**
 * Decodes a token made by {@link encodePageToken} and checks it has the string `keys`.
 * ValidationError(`page_token`): not such a token; or, with `filters`, a token issued for
 * other filters (or without any).
 */
export function decodePageToken<K extends string>(token: string, keys: readonly K[], filters?: unknown): Record<K, string> {
  let obj: Record<string, unknown> | undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) obj = value as Record<string, unknown>;
  } catch {
    // fall through
  }
  if (!obj || !keys.every((k) => typeof obj[k] === 'string')) throw new ValidationError('page_token', 'is not a valid page token');
  if (filters !== undefined && obj[FILTERS_KEY] !== filtersFingerprint(filters)) {
    throw new ValidationError('page_token', 'was issued for different filters; ask for the first page again (no token) with these filters');
  }
  return obj as Record<K, string>;
}

/** Default and maximum page sizes. */
export const PAGE_SIZE = { default: 50, max: 500 } as const;

/** `pageSize` → 1..max (default when 0 / absent). ValidationError(`page_size`) when negative or fractional. */
export function resolvePageSize(pageSize: number | undefined | null): number {
  if (pageSize === undefined || pageSize === null || pageSize === 0) return PAGE_SIZE.default;
  if (!Number.isInteger(pageSize) || pageSize < 0) {
    throw new ValidationError('page_size', `must be a non-negative integer, got ${pageSize}`);
  }
  return Math.min(pageSize, PAGE_SIZE.max);
}

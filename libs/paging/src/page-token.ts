import { ValidationError } from '@notify/errors';

/**
 * Opaque page tokens: base64url of a small JSON keyset position. Callers must treat them as
 * opaque; an undecodable token is ValidationError(`page_token`).
 */
export function encodePageToken(position: Record<string, string>): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** Decodes a token made by {@link encodePageToken} and checks it has the string `keys`. */
export function decodePageToken<K extends string>(token: string, keys: readonly K[]): Record<K, string> {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (value && typeof value === 'object') {
      const obj = value as Record<string, unknown>;
      if (keys.every((k) => typeof obj[k] === 'string')) return obj as Record<K, string>;
    }
  } catch {
    // fall through
  }
  throw new ValidationError('page_token', 'is not a valid page token');
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

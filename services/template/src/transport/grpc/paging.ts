import { ValidationError } from '@notify/errors';
import type { commonv1 } from '@notify/proto';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/**
 * Offset paging over a list computed in full (templates number in the tens): the token is
 * base64url JSON `{ o: offset, f: filter fingerprint }`. Page size 0 → 50, above 500 → 500,
 * negative → ValidationError('page.page_size'); a token that does not parse or was issued
 * for other filters → ValidationError('page.page_token').
 */
export function paginate<T>(items: readonly T[], page: commonv1.PageRequest | undefined, fingerprint: string): { items: T[]; nextPageToken: string } {
  const size = page?.pageSize ?? 0;
  if (!Number.isInteger(size) || size < 0) throw new ValidationError('page.page_size', 'must not be negative');
  const limit = size === 0 ? DEFAULT_PAGE_SIZE : Math.min(size, MAX_PAGE_SIZE);
  const offset = page?.pageToken ? parseToken(page.pageToken, fingerprint) : 0;
  const next = offset + limit;
  return {
    items: items.slice(offset, next),
    nextPageToken: next < items.length ? Buffer.from(JSON.stringify({ o: next, f: fingerprint })).toString('base64url') : '',
  };
}

function parseToken(token: string, fingerprint: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; f?: unknown };
    if (Number.isInteger(parsed.o) && (parsed.o as number) >= 0 && parsed.f === fingerprint) return parsed.o as number;
  } catch {
    // fall through
  }
  throw new ValidationError('page.page_token', 'is not a token issued for this listing');
}

import { LRUCache } from 'lru-cache';

/**
 * A lookup by id through `ask`, with the FOUND results kept `ttlMs` (lru-cache, at most 10,000
 * entries; concurrent asks for one id make one call). Unknown ids (null) and failures are never
 * kept, so a record created meanwhile is found on the next ask and an outage is not remembered.
 * `ttlMs` 0 = ask every time. `now` (tests) is read on every access.
 */
export function cachedLookup<T extends object>(
  ask: (id: string) => Promise<T | null>,
  options: { ttlMs?: number; now?: () => number } = {},
): (id: string) => Promise<T | null> {
  const ttl = options.ttlMs ?? 0;
  if (ttl <= 0) return ask;
  const cache = new LRUCache<string, T>({
    max: 10_000,
    ttl,
    // A given clock (tests) is read on every access (lru-cache otherwise reads it at most once per ms).
    ...(options.now ? { perf: { now: options.now }, ttlResolution: 0 } : {}),
    // undefined = not kept: the directory answered "no such record".
    fetchMethod: async (id) => (await ask(id)) ?? undefined,
  });
  return async (id) => (await cache.fetch(id)) ?? null;
}

import type { Priority } from './delivery';

/**
 * Per-recipient rate limit (issue 5: "a per-recipient rate limit, for example 10 an hour,
 * defers the excess and exempts urgent ones"). `sentAt` = the times messages to the recipient
 * were accepted within the window (any order). Returns null when a message may go now, else
 * the instant the oldest counted message leaves the window (a slot frees).
 * `limit` 0 = unlimited. URGENT is exempt.
 */
export function rateLimitDeferral(
  now: Date,
  priority: Priority,
  sentAt: readonly Date[],
  limit: number,
  windowMs: number,
): Date | null {
  if (limit <= 0 || priority === 'URGENT') return null;
  const from = now.getTime() - windowMs;
  const inWindow = sentAt.map((d) => d.getTime()).filter((t) => t > from).sort((a, b) => a - b);
  if (inWindow.length < limit) return null;
  // The (n - limit + 1)-th oldest must leave for the count to drop below the limit.
  const freeing = inWindow[inWindow.length - limit]!;
  return new Date(freeing + windowMs + 1);
}

/** What to do after a failed send round. */
export type FailureDecision = { kind: 'retry'; at: Date } | { kind: 'dead' };

/**
 * After a send round that failed (issue 5 "Retries are durable": backoff with jitter, a
 * maximum number of attempts, then DEAD). `round` = rounds made so far (1 after the first);
 * `permanent` = no retry can help (the message's fault). `backoff(round)` gives the wait in ms.
 * `retryAfterMs`: the providers asked not to be called for this long (Retry-After, see
 * ProviderChain): the retry is no earlier, whatever the backoff says.
 */
export function decideAfterFailure(
  now: Date,
  round: number,
  maxRounds: number,
  permanent: boolean,
  backoff: (round: number) => number,
  retryAfterMs?: number,
): FailureDecision {
  if (permanent || round >= maxRounds) return { kind: 'dead' };
  return { kind: 'retry', at: new Date(now.getTime() + Math.max(backoff(round), retryAfterMs ?? 0)) };
}

/** True when a WhatsApp delivery of `priority` may fall back to SMS (SMS_FALLBACK_PRIORITIES). */
export function allowsSmsFallback(priority: Priority, allowed: readonly Priority[]): boolean {
  return allowed.includes(priority);
}

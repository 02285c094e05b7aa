import type { DeliveryRecord, Priority } from './delivery';

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

/**
 * When to retry after a round in which no provider was called (each skipped: breaker open,
 * Retry-After pause, pacing). Such a round does not count toward DELIVERY_MAX_ATTEMPTS, so it
 * never makes a delivery DEAD; but repeating it at the same short backoff only writes attempt
 * rows, events and log lines while the providers are down (QA: every 15–30 s for as long as an
 * outage lasted). So:
 * - it is never retried before a provider can be called again: `callableInMs` = ms until then
 *   (the first of the round's providers whose breaker half-opens or whose Retry-After ends;
 *   undefined or 0 = not known / now);
 * - consecutive such rounds back off further: `uncounted` = how many in a row, this one included
 *   (1 for the first after a counted round), `rounds` = counted rounds made; the wait is
 *   `backoff(max(1, rounds) + uncounted - 1)`: the first waits the backoff of the rounds made (at
 *   least the first round's), each next one the backoff of one more round (exponential, capped
 *   by the backoff itself: DELIVERY_RETRY_MAX_MS).
 * A provider's recovery makes the waiting deliveries due at once (expediteOnRecovery), so the
 * long waits do not delay the backlog once a provider is back.
 */
export function retryAfterUncountedRound(
  now: Date,
  rounds: number,
  uncounted: number,
  backoff: (round: number) => number,
  callableInMs?: number,
): Date {
  const wait = backoff(Math.max(1, rounds) + Math.max(1, uncounted) - 1);
  return new Date(now.getTime() + Math.max(wait, callableInMs ?? 0));
}

/** True when a WhatsApp delivery of `priority` may fall back to SMS (SMS_FALLBACK_PRIORITIES). */
export function allowsSmsFallback(priority: Priority, allowed: readonly Priority[]): boolean {
  return allowed.includes(priority);
}

/**
 * True when a WhatsApp delivery could go by SMS instead (the dispatcher's fallback within a
 * round, and a permanent failure receipt between rounds): a WhatsApp delivery to a person (not a
 * group chat) whose SMS text was rendered at creation (`fallbackBody`: only for the
 * SMS_FALLBACK_PRIORITIES), with an SMS provider configured (`smsConfigured`).
 */
export function canFallBackToSms(
  d: Pick<DeliveryRecord, 'channel' | 'recipientKind' | 'recipient' | 'priority' | 'fallbackBody'>,
  allowed: readonly Priority[],
  smsConfigured: boolean,
): boolean {
  return d.channel === 'WHATSAPP' && whyNoSmsFallback({ ...d, pinnedProvider: null }, allowed, smsConfigured) === null;
}

/**
 * Why a WhatsApp delivery cannot go by SMS instead — the one rule canFallBackToSms reads — for a
 * DEAD delivery's error and log line (the last session note: a DEAD message did not say whether
 * SMS was tried or why not): a group chat, a reply pinned to the provider the person wrote to
 * (`pinnedProvider`), a priority outside SMS_FALLBACK_PRIORITIES, no SMS provider configured, no
 * SMS text rendered. Null when it can (or when it is not a WhatsApp delivery).
 */
export function whyNoSmsFallback(
  d: Pick<DeliveryRecord, 'channel' | 'recipientKind' | 'recipient' | 'priority' | 'fallbackBody' | 'pinnedProvider'>,
  allowed: readonly Priority[],
  smsConfigured: boolean,
): string | null {
  if (d.channel !== 'WHATSAPP') return null;
  if (d.recipientKind === 'GROUP' || d.recipient.endsWith('@g.us')) return 'a WhatsApp group has no SMS';
  if (d.pinnedProvider) return `a reply goes out only through the number the person wrote to (${d.pinnedProvider})`;
  if (!allowsSmsFallback(d.priority, allowed)) return `${d.priority} is not in SMS_FALLBACK_PRIORITIES (${allowed.join(',') || 'none'})`;
  if (!smsConfigured) return 'no SMS provider is configured';
  if (d.fallbackBody === null) return 'no SMS text was rendered for it';
  return null;
}

/**
 * What a `failed` receipt makes of a SENT delivery: `retry` (FAILED, due at `at`), `dead`
 * (`permanent`: the receipt said no retry can help, else the rounds ran out) or `sms` (FAILED,
 * due at `at`, its next rounds over the SMS chain with its SMS text).
 */
export type ReceiptFailureDecision =
  | { kind: 'retry'; at: Date }
  /** `noSmsFallback`: why a WhatsApp delivery did not go by SMS instead (whyNoSmsFallback), when the receipt was permanent. */
  | { kind: 'dead'; permanent: boolean; noSmsFallback?: string }
  | { kind: 'sms'; at: Date };

/**
 * After a `failed` receipt (issue 5 "Receipts" and "Retries"). `permanent`: the receipt says the
 * recipient cannot be reached on this channel (isPermanentReceiptFailure: Fonnte `invalid`,
 * Twilio 30004/30005/30006, Advanta DeliveryImpossible):
 * - a WhatsApp delivery that may fall back ({@link canFallBackToSms}) goes by SMS at once (`sms`,
 *   due now), whatever rounds it spent on WhatsApp: those could not reach the number;
 * - any other is DEAD at once (a retry would only meet the same refusal), a WhatsApp one saying
 *   why it did not go by SMS (`noSmsFallback`).
 * Otherwise the receipt counts as a failed round: DEAD after `maxRounds` rounds, else FAILED
 * after `backoff(rounds)`.
 */
export function decideAfterFailedReceipt(
  now: Date,
  d: Pick<DeliveryRecord, 'rounds' | 'channel' | 'recipientKind' | 'recipient' | 'priority' | 'fallbackBody'>,
  permanent: boolean,
  policy: { maxRounds: number; backoff: (round: number) => number; smsFallbackPriorities: readonly Priority[]; smsConfigured: boolean },
): ReceiptFailureDecision {
  if (permanent && canFallBackToSms(d, policy.smsFallbackPriorities, policy.smsConfigured)) return { kind: 'sms', at: now };
  const decision = decideAfterFailure(now, d.rounds, policy.maxRounds, permanent, policy.backoff);
  if (decision.kind !== 'dead') return decision;
  // A receipt comes after the send: a pinned reply may still go by SMS, so the pin is no reason here.
  const noSms = permanent ? whyNoSmsFallback({ ...d, pinnedProvider: null }, policy.smsFallbackPriorities, policy.smsConfigured) : null;
  return noSms ? { kind: 'dead', permanent, noSmsFallback: noSms } : { kind: 'dead', permanent };
}

import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT_CONTEXT, SpanStatusCode, type Span } from '@opentelemetry/api';
import { lostConnectionOf } from '@notify/grpc-kit';
import { failureStreak, type FailureStreak, type Logger, type StreakLogger } from '@notify/logger';
import { NotifyAttr, extractTraceContext, redactText, spanAttributes, withSpan } from '@notify/telemetry';
import {
  canFallBackToSms, decideAfterFailure, isRateLimitExempt, isUrgent, providerError, QUIET_HOURS_EXEMPT_TYPES, quietHoursEnd, rateLimitDeferral, retryAfterUncountedRound, whyNoSmsFallback,
  type AttemptOutcome, type Channel, type DeliveryRecord, type OutgoingMessage, type Priority, type SendOutcome,
} from '../domain';
import { receiptFailurePolicy } from './handle-receipt.use-case';
import type { Clock, DeliveryStore, NewAttempt, RoundResult } from './ports';

/** What one provider call came to (structurally the ProviderChain's `ProviderAttempt`). */
export interface ProviderCall {
  provider: string;
  result: 'accepted' | 'failed_retryable' | 'failed_permanent' | 'connection_error' | 'timeout' | 'breaker_open' | 'rate_limited';
  outcome?: SendOutcome;
  error?: string;
  latencyMs: number;
}

/** A channel's answer (structurally the ProviderChain's `ChainResult`). */
export interface ChannelSendResult {
  outcome: SendOutcome | { kind: 'ambiguous'; reason: string };
  /** true when a wait for a pacing slot was cancelled (`pacingSignal`): that provider was not called. */
  cancelled?: boolean;
  provider: string | null;
  attempts: ProviderCall[];
}

/**
 * One channel's providers in order with failover (ProviderChain). `only` = that provider alone;
 * `maxPacingWaitMs` = the longest wait for the pacing slot of the first provider called, ms
 * (default: however long); `pacingSignal` cancels a wait for a pacing slot (never a call in flight).
 */
export interface ChannelSender {
  send(msg: OutgoingMessage, options?: { only?: string; maxPacingWaitMs?: number; pacingSignal?: AbortSignal }): Promise<ChannelSendResult>;
  /** Provider names in chain order. */
  names(): string[];
  /**
   * The pacing of the provider a send would call first now: how many sends it can start within
   * `horizonMs`, and ms until it can start one more within it. Absent: unpaced.
   */
  pacing?(horizonMs: number): { capacity: number; nextInMs: number };
  /** The same for one provider by name (a send pinned to it). Absent: unpaced. */
  providerPacing?(provider: string, horizonMs: number): { capacity: number; nextInMs: number };
  /**
   * Ms until a send could call one of the providers (`only`: that one) again: 0 when one can be
   * called now, else the first half-open of an open breaker or end of a Retry-After pause
   * (ProviderChain.callableInMs). Absent: not known (only the providers' Retry-After counts).
   */
  callableInMs?(only?: string): number;
}

/** Default {@link DispatcherOptions.pacingHorizonMs}, ms. */
export const DISPATCH_PACING_HORIZON_MS = 250;

/** Wakes the dispatcher when rows become due (LISTEN/NOTIFY), or after `ms` at the latest. */
export interface WakeSignal {
  wait(ms: number): Promise<void>;
  /** Wakes a pending wait at once (in-process). */
  poke(): void;
}

export interface DispatcherOptions {
  store: DeliveryStore;
  channels: Partial<Record<Channel, ChannelSender>>;
  wake: WakeSignal;
  logger: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  clock: Clock;
  /** Concurrent sends (DISPATCH_WORKERS). */
  workers: number;
  /** Rows claimed per poll at most (DISPATCH_BATCH_SIZE). */
  batchSize: number;
  /** Poll interval without a wake-up, ms (DISPATCH_POLL_MS). */
  pollMs: number;
  /** Lease of a SENDING row, ms (DISPATCH_LEASE_MS). */
  leaseMs: number;
  /** Send rounds before DEAD (DELIVERY_MAX_ATTEMPTS). */
  maxRounds: number;
  /** Backoff before round n+1 after n failed rounds, ms (backoffMs of @notify/db with the configured initial/max). */
  backoff: (round: number) => number;
  /** Priorities allowed to fall back from WhatsApp to SMS (SMS_FALLBACK_PRIORITIES). */
  smsFallbackPriorities: readonly Priority[];
  /** Per-recipient limit per window (RECIPIENT_RATE_LIMIT / _WINDOW_MS); 0 = none. */
  rateLimit: number;
  rateWindowMs: number;
  /** Cost of one accepted message per provider, whole rupiah. */
  costs: Readonly<Record<string, number>>;
  /** Twilio StatusCallback URL (WEBHOOK_PUBLIC_URL + /webhooks/twilio/status), when known. */
  statusCallbackUrl?: string;
  /** TEST HOOK (GATEWAY_TEST_PAUSE_AFTER_SEND_MS): wait after an accepted send, before bookkeeping. */
  pauseAfterSendMs?: number;
  /**
   * Wait before the n-th retry (n from 1) of a round's bookkeeping that failed (Postgres
   * unreachable), ms. Default {@link bookkeepingBackoffMs}: 0.5 s doubling to 10 s. Only a lost
   * or refused connection is retried for as long as it lasts; any other error is tried
   * {@link BOOKKEEPING_OTHER_ERROR_TRIES} times in all.
   */
  bookkeepingBackoff?: (failures: number) => number;
  /** Observes each finished round (metrics). */
  onRound?: (d: DeliveryRecord, attempts: readonly NewAttempt[]) => void;
  /**
   * Pacing horizon, ms (default {@link DISPATCH_PACING_HORIZON_MS}): a claim takes no more rows
   * of a channel than its first provider's pacer can start within it (see the class comment).
   */
  pacingHorizonMs?: number;
}

/** `gateway.send` span attributes that @notify/telemetry's NotifyAttr has no constant for. */
export const SendSpanAttr = {
  /** The delivery's status after the round: SENT, FAILED (retry scheduled) or DEAD. */
  STATUS: 'notify.delivery.status',
  /** true when the round went past its chain's first provider (or to the SMS fallback). */
  FAILOVER: 'notify.failover',
} as const;

/**
 * After a round of a ticket's message ends, the loop claims again this soon (ms), once for all the
 * rounds ending meanwhile, so the ticket's next message to that recipient (held back until then by
 * the claim's ticket order, PgDeliveryStore.claimDue) does not wait for the poll interval.
 */
export const TICKET_ORDER_POKE_MS = 20;

/** The default wait before the n-th retry (n from 1) of a round's failed bookkeeping, ms: 500, 1000, 2000 … at most 10 000. */
export function bookkeepingBackoffMs(failures: number): number {
  return Math.min(10_000, 500 * 2 ** Math.max(0, Math.min(failures - 1, 5)));
}

/**
 * Tries of a round's bookkeeping that failed with anything but a lost or refused Postgres
 * connection (a constraint, a bug: the same write fails the same way) before it is given up.
 */
export const BOOKKEEPING_OTHER_ERROR_TRIES = 3;

/** Name of the `gateway.send` span event recorded for each provider a round skipped without calling it. */
export const PROVIDER_SKIPPED_EVENT = 'provider skipped';

const OUTCOME: Record<ProviderCall['result'], AttemptOutcome> = {
  accepted: 'ACCEPTED',
  failed_retryable: 'RETRYABLE_FAILURE',
  failed_permanent: 'PERMANENT_FAILURE',
  connection_error: 'RETRYABLE_FAILURE',
  timeout: 'AMBIGUOUS',
  breaker_open: 'BREAKER_OPEN',
  rate_limited: 'RATE_LIMITED',
};

/**
 * The send queue's workers (issue 5 "Retries are durable"). The queue is the `deliveries` table:
 * each loop claims due rows (`FOR UPDATE SKIP LOCKED`, so replicas share the work), applies
 * quiet hours and the per-recipient rate limit (DEFERRED until the window end / a free slot;
 * URGENT exempt), marks the rest SENDING with a lease and sends them through their channel's
 * ProviderChain (`workers` at a time). Each provider tried is one attempt row (BREAKER_OPEN
 * included). Then:
 * - accepted → SENT (provider message id, cost, failover = not the chain's first provider or SMS fallback);
 * - definite failure on WhatsApp, priority in SMS_FALLBACK_PRIORITIES, an SMS text rendered and
 *   the recipient a phone → the same round goes on through the SMS chain;
 * - definite failure → FAILED with next_attempt_at = now + backoff(round) (exponential, equal
 *   jitter; no earlier than the providers' Retry-After when each of them asked to wait), or DEAD
 *   after `maxRounds` rounds or on a permanent (message-fault) failure; a round in which no
 *   provider was called (each skipped: breaker open, Retry-After pause) does not count (`rounds`
 *   stays), so an outage does not use up the budget without a call; its retry comes no earlier
 *   than a provider can be called again (the first breaker to half-open, the first Retry-After to
 *   end: ChannelSender.callableInMs) and backs off further with each such round in a row
 *   (`uncounted_rounds`, retryAfterUncountedRound), so held messages do not repeat a round, an
 *   attempt row per provider, a `failed` event and a span at the first backoff for as long as an
 *   outage lasts; when a breaker half-opens a few of them are made due for its trial call, and when
 *   it closes all of them (expediteOnRecovery). Such a round logs at debug; the outage is logged
 *   once per channel (every provider skipped: a warn line, a reminder a minute, a recovery line);
 * - AMBIGUOUS (timeout after the request was sent; see ProviderChain): FAILED, retried later on
 *   the SAME provider only (`pinned_provider`), never failed over: at worst that one provider
 *   sees it twice, which its own dedupe/receipts can settle, instead of two providers each
 *   delivering it. Exception: an URGENT message whose pinned provider then fails for sure
 *   (connection refused, 5xx, breaker open) is unpinned and goes through the chain next round,
 *   accepting a possible duplicate rather than losing an urgent message to a provider that is down.
 * Bookkeeping: a round's outcome is in memory once its provider answered, and it is the only
 * definite record of what was sent. A failed write of it (Postgres down or unreachable) is
 * retried in process ({@link bookkeepingBackoffMs}: 0.5 s doubling to 10 s) until it succeeds or
 * the dispatcher stops (then one last try, and the outcome is logged at error with the provider
 * message id); a write failing for another reason than a lost connection is given up after
 * {@link BOOKKEEPING_OTHER_ERROR_TRIES} tries, logged the same way. Meanwhile this process's own lease sweep leaves those rows alone; the lease is not
 * extended (an extension would need the Postgres that is missing; when it is back, the round's
 * own write is as cheap), so another replica may mark them DEAD (ambiguous) in between, and the
 * round's write then still applies and replaces that guess (PgDeliveryStore.recordRound): an
 * accepted send ends SENT with its attempt and provider message id, never DEAD and re-driven twice.
 * Crash policy: a row left SENDING by a process that died, or that could not record the round
 * within the lease, may have been accepted by the provider; when its lease expires it is marked
 * DEAD with LEASE_EXPIRED_ERROR ("no bookkeeping within the lease … possibly sent") and never
 * re-sent automatically (RetryDelivery re-drives it). Leases must outlast the longest round
 * (PROVIDER_TIMEOUT_MS × providers tried).
 * Pacing (`<PROVIDER>_RATE_PER_SECOND`): a claimed row is SENDING, and a SENDING row whose gateway
 * died is taken as possibly sent, so a row must not be claimed to wait for a pacing slot. Each
 * claim therefore takes no more rows of a channel than the provider its round would call first
 * (ChannelSender.pacing: the primary, or the next one while the primary's breaker is open or it
 * asked to wait) can start within the pacing horizon (`pacingHorizonMs`, 250 ms): per-channel
 * limits in the claim itself (PgDeliveryStore.claimDue), the rest stays QUEUED / FAILED in
 * Postgres, untouched, in its order. When a paced channel's claim was full, the loop comes back
 * as soon as that provider can start one more within the horizon (instead of after the poll).
 * Chosen over reserving slots before the claim because the claim does not know the rows'
 * channels in advance, and over claiming and handing rows back because that rewrites every row of
 * a backlog once per claim. So after a crash at most the rows in a provider call plus those whose
 * slot was less than the horizon away are taken as possibly sent (at 2/s: one), instead of up to
 * DISPATCH_WORKERS rows that were only waiting. The SMS fallback of a round waits at most the
 * horizon for an SMS provider's slot (its claim counted the WhatsApp provider only); a row pinned
 * to a provider (after an ambiguous outcome, a reply) waits for that provider's slot, so a claim
 * takes no more rows pinned to a paced provider than that provider can start within the horizon
 * (its own limit in the claim, {@link pinnedLimits}). {@link stop} ends the waits for slots: those
 * rows go back to the queue unsent instead of holding the stop (or a later SIGKILL making them DEAD). A paced
 * provider is never failed over from because of its pacing (ProviderChain "Pacing").
 * Wake-ups: this process's page inserts poke the wake signal directly; other inserts and re-drives
 * NOTIFY `<schema>_deliveries`; else every `pollMs` (which also finds rows another replica inserted).
 */
export class Dispatcher {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  /** Deliveries whose round is over and whose bookkeeping is being written or retried (not expired by this process). */
  private readonly recording = new Set<string>();
  /** Aborted by {@link stop}: bookkeeping retries end (after one last try). */
  private stopping = new AbortController();

  /** Pending {@link pokeSoon}. */
  private pokeTimer: NodeJS.Timeout | undefined;

  /** The claim loop's failures, logged as one outage (@notify/logger failureStreak). */
  private readonly claimFailures: FailureStreak;

  /**
   * Failed writes of rounds' bookkeeping, logged as one outage: with Postgres away every round in
   * flight retries its write, and a warn line per retry of each would bury the first one. Giving
   * a round up is still logged per round, at error, with its provider message id.
   */
  private readonly bookkeepingFailures: FailureStreak;

  /**
   * Per channel, the sends through its whole chain in which no provider could be called (each
   * behind an open breaker or asked to wait), logged as one outage: those rounds log at debug.
   */
  private readonly heldChannels = new Map<Channel, FailureStreak>();

  constructor(private readonly o: DispatcherOptions) {
    this.claimFailures = failureStreak(o.logger as unknown as StreakLogger, 'dispatcher claims');
    this.bookkeepingFailures = failureStreak(o.logger as unknown as StreakLogger, 'dispatcher bookkeeping');
  }

  /**
   * Notes what a send through a channel's whole chain (not pinned to one provider) came to: no
   * provider called (the first such send of an outage is logged at warn, then a reminder a minute)
   * or one called (after an outage, one `<channel> providers recovered` line).
   */
  private noteChannel(channel: Channel, res: ChannelSendResult): void {
    let streak = this.heldChannels.get(channel);
    if (noProviderCalled(res)) {
      if (!streak) this.heldChannels.set(channel, (streak = failureStreak(this.o.logger as unknown as StreakLogger, `${channel} providers`)));
      const skipped = res.attempts.map((a) => `${a.provider}: ${a.error ?? a.result}`);
      streak.failure('warn', { channel, skipped }, 'no provider of the channel can be called (breaker open or asked to wait): its deliveries wait, their retries backing off, until one can');
    } else if (res.attempts.some((a) => a.result === 'accepted')) {
      // Recovered only when a provider took a message (QA: a trial call refused at a half-open
      // logged "recovered" every 30 s of an outage).
      streak?.success({ channel });
    }
  }

  /** Starts the loop (idempotent). */
  start(): void {
    if (this.running) return;
    if (this.stopping.signal.aborted) this.stopping = new AbortController();
    this.running = true;
    this.loop = this.run();
  }

  /**
   * Stops claiming, ends the waits for pacing slots (those rows go back unsent: QUEUED, or FAILED
   * after earlier rounds, no attempt and no round counted), waits for the sends in flight and their
   * bookkeeping, then resolves. A round
   * whose bookkeeping is being retried (Postgres unreachable) gets one last try and is then given
   * up (logged at error with its outcome; its lease expires, see the class comment).
   */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.pokeTimer);
    this.pokeTimer = undefined;
    this.stopping.abort();
    this.o.wake.poke();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Wakes the loop {@link TICKET_ORDER_POKE_MS} from now (once for all the rounds that end
   * meanwhile): a round of a ticket's message has ended, and the ticket's next message to the
   * same recipient, held back by the claim's ticket order, can go now instead of after the poll.
   */
  private pokeSoon(): void {
    if (this.pokeTimer || !this.running) return;
    this.pokeTimer = setTimeout(() => {
      this.pokeTimer = undefined;
      this.o.wake.poke();
    }, TICKET_ORDER_POKE_MS);
    this.pokeTimer.unref?.();
  }

  /** One pass (tests drive it directly with a fake clock): expire leases, claim, send; resolves when those sends are recorded. */
  async runOnce(): Promise<number> {
    const { started } = await this.claimAndSend();
    await Promise.allSettled([...this.inFlight]);
    return started;
  }

  /**
   * The loop. Under load it claims in batches: it waits until a quarter of the workers
   * (at least 1, at most the batch size) are free before the next claim, so one claim
   * transaction serves several sends instead of one each. A claim that got fewer rows than it
   * asked for found no backlog: the next claim waits for a wake-up (rows inserted: NOTIFY, or
   * this process's own inserts) or the poll, instead of asking again at once and finding little or
   * nothing (one claim per wake-up, each taking what arrived meanwhile). Expired leases are
   * looked for at most once per poll interval (and on every {@link runOnce}).
   */
  private async run(): Promise<void> {
    const claimAt = Math.max(1, Math.min(this.o.batchSize, Math.floor(this.o.workers / 4)));
    let expiredCheckedAt = -Infinity;
    while (this.running) {
      let backlog = false;
      let paced: Channel[] = [];
      let pinnedFull: string[] = [];
      try {
        const now = this.o.clock().getTime();
        const expire = now - expiredCheckedAt >= this.o.pollMs || now < expiredCheckedAt;
        if (expire) expiredCheckedAt = now;
        const claim = await this.claimAndSend(expire);
        backlog = claim.backlog;
        paced = claim.pacedFull;
        pinnedFull = claim.pinnedFull;
        this.claimFailures.success();
      } catch (err) {
        // One outage, a few lines: the first failure, a reminder a minute, the recovery.
        this.claimFailures.failure('error', { err }, 'dispatcher: claim failed; retrying after the poll interval');
      }
      if (!this.running) break;
      if (this.o.workers - this.inFlight.size < claimAt) {
        while (this.running && this.o.workers - this.inFlight.size < claimAt) await Promise.race([...this.inFlight]);
      } else if (!backlog) {
        // A paced channel whose claim was full has more rows waiting: come back when its provider can start one more.
        const horizon = this.o.pacingHorizonMs ?? DISPATCH_PACING_HORIZON_MS;
        const pacedWait = Math.min(
          ...paced.map((ch) => this.o.channels[ch]?.pacing?.(horizon).nextInMs ?? this.o.pollMs),
          ...pinnedFull.map((p) => this.pinnedSender(p)?.providerPacing?.(p, horizon).nextInMs ?? this.o.pollMs),
        );
        await this.o.wake.wait(Math.min(this.o.pollMs, Math.max(10, Math.ceil(pacedWait))));
      }
    }
  }

  /**
   * Expires leases (when asked), claims up to the free workers' worth (and per paced channel no
   * more than its pacer can start within the horizon, see {@link channelLimits}) and starts their
   * rounds. `started` = rows sent; `backlog` = the claim got all it asked for (a channel not
   * limited by pacing used up its limit): claim again at once; `pacedFull` = the paced channels
   * whose limit the claim used up (or that had no capacity): they have rows waiting for the pacer;
   * `pinnedFull` = the same for the paced providers rows are pinned to.
   */
  private async claimAndSend(expire = true): Promise<{ started: number; backlog: boolean; pacedFull: Channel[]; pinnedFull: string[] }> {
    const now = this.o.clock();
    if (expire) {
      const expired = await this.o.store.expireLeases(now, [...this.recording]);
      for (const d of expired) {
        this.o.logger.warn({ delivery_id: d.id, provider: d.provider }, 'delivery left SENDING without bookkeeping within its lease (a gateway stopped or lost Postgres): marked DEAD (possibly sent; not re-sent)');
      }
    }
    const free = this.o.workers - this.inFlight.size;
    if (free <= 0) return { started: 0, backlog: false, pacedFull: [], pinnedFull: [] };
    const asked = Math.min(free, this.o.batchSize);
    const plan = this.channelLimits(asked);
    const pinned = this.pinnedLimits(asked);
    const taken = await this.o.store.claimDue(now, asked, this.o.leaseMs, (d, recent) => this.gate(d, now, recent), plan?.limits, pinned);
    // Rows their ticket made stale since they were queued (a job offer of a ticket taken meanwhile,
    // back from a failed round…) are withdrawn instead of sent (PgDeliveryStore.withdrawSuperseded).
    // Best effort: a failure here (the database) must not strand the claimed rows SENDING until
    // their lease expires (DEAD, "possibly sent"); they are sent, as before the ticket moved on.
    const withdrawn = await this.o.store.withdrawSuperseded(taken, now).catch((err: unknown) => {
      this.o.logger.warn({ err, deliveries: taken.length }, 'dispatcher: could not check the claimed rows for stale ones; sending them');
      return new Set<string>();
    });
    for (const id of withdrawn) this.o.logger.info({ delivery_id: id }, 'delivery withdrawn at its claim: its ticket made it stale');
    // Payment reminders of an invoice paid (or voided) since they were queued, likewise
    // (PgDeliveryStore.withdrawClosedInvoices; no statement when no reminder was claimed).
    const live = withdrawn.size > 0 ? taken.filter((d) => !withdrawn.has(d.id)) : taken;
    const paid = await this.o.store.withdrawClosedInvoices(live, now).catch((err: unknown) => {
      this.o.logger.warn({ err, deliveries: live.length }, 'dispatcher: could not check the claimed payment reminders against paid invoices; sending them');
      return new Set<string>();
    });
    for (const id of paid) this.o.logger.info({ delivery_id: id }, 'payment reminder withdrawn at its claim: its invoice was paid or cancelled');
    const claimed = paid.size > 0 ? live.filter((d) => !paid.has(d.id)) : live;
    let backlog = taken.length >= asked;
    const pacedFull: Channel[] = [];
    const pinnedFull = pinned
      ? Object.entries(pinned).filter(([p, n]) => claimed.filter((d) => d.pinnedProvider === p).length >= n).map(([p]) => p)
      : [];
    if (plan) {
      const full = (Object.keys(plan.limits) as Channel[]).filter((ch) => claimed.filter((d) => d.channel === ch).length >= plan.limits[ch]!);
      backlog = full.some((ch) => !plan.paced.includes(ch) && plan.limits[ch]! > 0);
      pacedFull.push(...full.filter((ch) => plan.paced.includes(ch)));
    }
    for (const d of claimed) {
      const p = this.tracedRound(d)
        .catch((err: unknown) => this.o.logger.error({ err, delivery_id: d.id }, 'dispatcher: round failed without bookkeeping; the lease will expire'))
        .finally(() => {
          this.inFlight.delete(p);
          // The next message of its ticket to this recipient may have waited for it (claimDue's ticket order).
          if (d.ticketId) this.pokeSoon();
        });
      this.inFlight.add(p);
    }
    return { started: claimed.length, backlog, pacedFull, pinnedFull };
  }

  /**
   * Claim limits of rows pinned to a paced provider (after an ambiguous outcome, a reply): such a
   * row is sent to that provider alone and waits for ITS pacing slot, which the channel limits
   * (the channel's first callable provider) do not count. Each paced provider whose pacer can
   * start fewer than `asked` sends within the horizon gets that capacity as the limit of the rows
   * pinned to it (0: none claimed; PgDeliveryStore.claimDue). undefined when none is limited.
   */
  private pinnedLimits(asked: number): Record<string, number> | undefined {
    const horizon = this.o.pacingHorizonMs ?? DISPATCH_PACING_HORIZON_MS;
    const out: Record<string, number> = {};
    for (const ch of ['WHATSAPP', 'SMS'] as const) {
      const sender = this.o.channels[ch];
      if (!sender?.providerPacing) continue;
      for (const p of sender.names()) {
        const cap = sender.providerPacing(p, horizon).capacity;
        if (cap < asked) out[p] = Math.max(0, Math.floor(cap));
      }
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }

  /** The sender of the channel a provider belongs to. */
  private pinnedSender(provider: string): ChannelSender | undefined {
    const ch = this.channelOf(provider);
    return ch ? this.o.channels[ch] : undefined;
  }

  /**
   * Per-channel claim limits when a channel is paced below `asked` within the horizon (see the
   * class comment): a paced channel gets its capacity (within what is left of `asked`), an
   * unpaced one what is left; they add up to at most `asked`.
   * undefined when no channel is limited (one plain claim); else the limits and the channels
   * limited by pacing.
   */
  private channelLimits(asked: number): { limits: Partial<Record<Channel, number>>; paced: Channel[] } | undefined {
    const horizon = this.o.pacingHorizonMs ?? DISPATCH_PACING_HORIZON_MS;
    const caps = (['WHATSAPP', 'SMS'] as const).map((ch) => [ch, this.o.channels[ch]?.pacing?.(horizon).capacity ?? Number.POSITIVE_INFINITY] as const);
    const limited = caps.filter(([, cap]) => cap < asked);
    if (limited.length === 0) return undefined;
    const limits: Partial<Record<Channel, number>> = {};
    let left = asked;
    for (const [ch, cap] of limited) {
      limits[ch] = Math.max(0, Math.min(Math.floor(cap), left));
      left -= limits[ch]!;
    }
    for (const [ch, cap] of caps) if (cap >= asked) limits[ch] = Math.max(0, left);
    return { limits, paced: limited.map(([ch]) => ch) };
  }

  /** Quiet hours (not for QUIET_HOURS_EXEMPT_TYPES: SLA warnings, escalations), then the per-recipient rate limit (URGENT bypasses both). */
  private async gate(d: DeliveryRecord, now: Date, recentSends: (windowMs: number) => Promise<Date[]>): Promise<{ until: Date; reason: string } | null> {
    if (isUrgent(d.priority)) return null;
    const quietEnd = QUIET_HOURS_EXEMPT_TYPES.has(d.notificationType) ? null : quietHoursEnd(now, d.quietHours);
    if (quietEnd) return { until: quietEnd, reason: 'quiet hours' };
    if (this.o.rateLimit > 0 && !isRateLimitExempt(d)) {
      const until = rateLimitDeferral(now, d.priority, await recentSends(this.o.rateWindowMs), this.o.rateLimit, this.o.rateWindowMs);
      if (until) return { until, reason: 'recipient rate limit' };
    }
    return null;
  }

  /** Finds the channel a pinned provider belongs to. */
  private channelOf(provider: string): Channel | undefined {
    for (const ch of ['WHATSAPP', 'SMS'] as const) if (this.o.channels[ch]?.names().includes(provider)) return ch;
    return undefined;
  }

  /**
   * One round inside a `gateway.send` span whose parent is the trace context stored on the row
   * (the consumer of the ticket event, or the Notify / Broadcast call; a root span when none),
   * so the provider's HTTP request (undici instrumentation) and the bookkeeping's SQL join the
   * trace that made the delivery (ARCHITECTURE.md "Tracing"). Recipient masked, no body.
   */
  private tracedRound(d: DeliveryRecord): Promise<void> {
    const parent = d.traceContext ? extractTraceContext(d.traceContext, ROOT_CONTEXT) : ROOT_CONTEXT;
    return withSpan(
      'gateway.send',
      {
        [NotifyAttr.DELIVERY_ID]: d.id, [NotifyAttr.CHANNEL]: d.channel, [NotifyAttr.NOTIFICATION_TYPE]: d.notificationType,
        [NotifyAttr.RECIPIENT]: d.recipient, [NotifyAttr.ATTEMPT]: d.rounds + 1, [NotifyAttr.TICKET_ID]: d.ticketId ?? undefined,
      },
      (span) => this.sendRound(d, span),
      { parent },
    );
  }

  /**
   * One round: the channel's providers (and the SMS fallback), then its bookkeeping, the kept
   * receipts of the message it sent (see HandleReceiptUseCase) and what it came to:
   * - the span: `notify.delivery.status` (SENT / FAILED / DEAD), `notify.provider`,
   *   `notify.failover`, status ERROR with the last error when the round ended FAILED or DEAD,
   *   and an event `provider skipped` (provider, reason, error) per provider not called (breaker
   *   open, Retry-After pause);
   * - the log: DEAD at warn (delivery id, provider, rounds, error), FAILED at info (the same with
   *   the next attempt time; at debug when no provider was called, the outage being logged once
   *   per channel by noteChannel), SENT at debug (2000 a second at full speed would drown the log;
   *   the delivery log, the `delivery.sent` events and /metrics have every one of them).
   */
  private async sendRound(d: DeliveryRecord, span?: Span): Promise<void> {
    const attempts: NewAttempt[] = [];
    const isGroup = d.recipientKind === 'GROUP' || d.recipient.endsWith('@g.us');
    const msg = (text: string): OutgoingMessage => ({
      to: d.recipient, text, ...(isGroup ? { isGroup: true } : {}), ...(this.o.statusCallbackUrl ? { statusCallbackUrl: this.o.statusCallbackUrl } : {}),
    });
    const record = (res: ChannelSendResult, roundStart: Date) => {
      let t = roundStart.getTime();
      for (const a of res.attempts) {
        const startedAt = new Date(t);
        t += a.latencyMs;
        const accepted = a.result === 'accepted' && a.outcome?.kind === 'accepted';
        attempts.push({
          provider: a.provider,
          outcome: OUTCOME[a.result],
          error: accepted ? null : (a.error ?? null),
          latencyMs: a.latencyMs,
          providerMessageId: accepted && a.outcome?.kind === 'accepted' ? a.outcome.providerMessageId : null,
          costRupiah: accepted ? (this.o.costs[a.provider] ?? 0) : 0,
          httpStatus: a.outcome?.kind === 'accepted' ? (a.outcome.httpStatus ?? 200) : a.outcome?.kind === 'failed' ? (a.outcome.httpStatus ?? 0) : 0,
          startedAt,
          finishedAt: new Date(t),
        });
      }
    };

    // Pinned (after an ambiguous outcome, or a reply): that provider only, in its own channel.
    const pinnedChannel = d.pinnedProvider ? this.channelOf(d.pinnedProvider) : undefined;
    const channel: Channel = pinnedChannel ?? d.channel;
    const sender = this.o.channels[channel];
    const text = channel === 'SMS' && d.channel === 'WHATSAPP' ? (d.fallbackBody ?? d.body) : d.body;
    let result: RoundResult;
    if (!sender) {
      result = this.failure(d, null, `no ${channel} provider is configured`, false, null);
    } else {
      const roundStart = this.o.clock();
      const pacingSignal = this.stopping.signal;
      const res = await sender.send(msg(text), d.pinnedProvider && pinnedChannel ? { only: d.pinnedProvider, pacingSignal } : { pacingSignal });
      if (res.cancelled && res.attempts.every((a) => a.result === 'rate_limited' || a.result === 'breaker_open')) {
        // Stopped while waiting for a pacing slot: nothing was sent, so no round (see stop).
        await this.releaseClaim(d);
        return;
      }
      record(res, roundStart);
      if (!d.pinnedProvider) this.noteChannel(channel, res);
      result = await this.afterChannel(d, channel, text, res, sender, async (smsText) => {
        const sms = this.o.channels.SMS!;
        const start2 = this.o.clock();
        // The claim counted the WhatsApp provider's pacing only: wait at most the horizon for an SMS slot.
        const r2 = await sms.send(msg(smsText), { maxPacingWaitMs: this.o.pacingHorizonMs ?? DISPATCH_PACING_HORIZON_MS, pacingSignal: this.stopping.signal });
        record(r2, start2);
        if (!r2.cancelled) this.noteChannel('SMS', r2);
        return r2;
      });
    }
    if (result.status === 'SENT' && this.o.pauseAfterSendMs) {
      this.o.logger.warn({ delivery_id: d.id, pause_ms: this.o.pauseAfterSendMs }, 'TEST HOOK: pausing between the provider call and its bookkeeping');
      await new Promise((r) => setTimeout(r, this.o.pauseAfterSendMs));
    }
    const after = await this.recordRound(d, attempts, result);
    if (after) this.o.onRound?.(after, attempts);
    if (after?.status === 'SENT' && result.status === 'SENT') await this.applyKeptReceipts(after, result.providerMessageId);
    this.report(d, after, result, attempts, span);
  }

  /**
   * Hands a claimed row whose round sent nothing back (the dispatcher stopped while it waited for
   * a pacing slot): QUEUED (FAILED after earlier rounds), no attempt, no round counted, instead of
   * a round or a lease left to expire (DEAD, possibly sent). A failure is logged; the lease then
   * expires as after a crash.
   */
  private async releaseClaim(d: DeliveryRecord): Promise<void> {
    try {
      const released = await this.o.store.releaseClaim(d, this.o.clock());
      this.o.logger.info({ delivery_id: d.id, status: released?.status ?? null, pinned_provider: d.pinnedProvider }, 'dispatcher stopping: a delivery waiting for its pacing slot was handed back unsent');
    } catch (err) {
      this.o.logger.error({ err, delivery_id: d.id }, 'dispatcher stopping: a delivery waiting for its pacing slot (not sent) could not be handed back; its lease will expire');
    }
  }

  /**
   * Writes the round (store.recordRound) and retries a failed write (see the class comment,
   * "Bookkeeping") with the same time, attempts and outcome: a lost or refused connection
   * (`lostConnectionOf`) until it succeeds, any other error {@link BOOKKEEPING_OTHER_ERROR_TRIES}
   * times in all (it would fail the same way for ever, holding a worker); after {@link stop}, one
   * last try. Giving up rejects with the last error (logged at error with the outcome, so an
   * operator can reconcile the provider message id). While this runs, the delivery is in
   * `recording` and this process's lease sweep skips it.
   */
  private async recordRound(d: DeliveryRecord, attempts: readonly NewAttempt[], result: RoundResult): Promise<DeliveryRecord | null> {
    const now = this.o.clock();
    const backoff = this.o.bookkeepingBackoff ?? bookkeepingBackoffMs;
    const signal = this.stopping.signal;
    const outcome = {
      delivery_id: d.id, status: result.status, provider: result.provider,
      provider_message_id: result.status === 'SENT' ? result.providerMessageId : null, attempts: attempts.length,
    };
    this.recording.add(d.id);
    try {
      for (let failures = 0, otherFailures = 0; ; ) {
        const lastTry = signal.aborted;
        try {
          const after = await this.o.store.recordRound(d.id, attempts, result, now, d);
          if (failures > 0) {
            this.o.logger.debug({ ...outcome, failures }, 'dispatcher: round recorded after its bookkeeping failed');
            this.bookkeepingFailures.success();
          }
          return after;
        } catch (err) {
          failures++;
          if (lastTry) {
            this.o.logger.error({ err, ...outcome, failures }, 'dispatcher: stopping with a round not recorded; its lease will expire (DEAD, possibly sent)');
            throw err;
          }
          if (!lostConnectionOf(err)) {
            otherFailures++;
            if (otherFailures >= BOOKKEEPING_OTHER_ERROR_TRIES) {
              this.o.logger.error({ err, ...outcome, failures }, 'dispatcher: giving up on a round whose bookkeeping keeps failing (not a lost connection); its lease will expire (DEAD, possibly sent)');
              // Logged at error above; the next failure is news again, not a "still failing" of this one.
              if (this.recording.size <= 1) this.bookkeepingFailures.reset();
              throw err;
            }
          }
          const waitMs = backoff(failures);
          this.bookkeepingFailures.failure('warn', { err, ...outcome, failures, retry_in_ms: waitMs }, 'dispatcher: bookkeeping failed; retrying (the outcome is kept in memory)');
          await sleep(waitMs, undefined, { signal }).catch(() => undefined);
        }
      }
    } finally {
      this.recording.delete(d.id);
    }
  }

  /**
   * Receipts the provider posted before this round was recorded (a fast callback overtaking the
   * bookkeeping) were kept by the store; they are applied now that the message id is recorded,
   * under the same retry policy as any receipt. A failure here is logged; the kept receipts are
   * then applied by the next receipt of that message (PgDeliveryStore.applyReceipt drains them in
   * its transaction) or by the sweep of stranded kept receipts (HandleReceiptUseCase
   * .applyStrandedKept: at start and every RECEIPT_CHECK_INTERVAL_MS, also after a gateway stopped
   * between this round's commit and this call).
   */
  private async applyKeptReceipts(after: DeliveryRecord, providerMessageId: string): Promise<void> {
    const now = this.o.clock();
    try {
      const d = await this.o.store.applyKeptReceipts(after.provider!, providerMessageId, now, receiptFailurePolicy(now, {
        maxRounds: this.o.maxRounds, backoff: this.o.backoff, smsFallbackPriorities: this.o.smsFallbackPriorities, smsConfigured: this.o.channels.SMS !== undefined,
      }));
      if (!d) return;
      const fields = { delivery_id: d.id, provider: d.provider, from: after.status, to: d.status };
      if (d.status === 'DEAD') this.o.logger.warn({ ...fields, rounds: d.rounds, error: d.lastError }, 'receipts that came before the send was recorded applied: delivery DEAD');
      else if (d.status === 'FAILED') this.o.logger.info({ ...fields, rounds: d.rounds, error: d.lastError, next_attempt_at: d.nextAttemptAt?.toISOString() ?? null }, 'receipts that came before the send was recorded applied: delivery failed, retry scheduled');
      else this.o.logger.info(fields, 'receipts that came before the send was recorded applied');
    } catch (err) {
      this.o.logger.error({ err, delivery_id: after.id, provider: after.provider }, 'receipts kept for a sent message could not be applied');
    }
  }

  /** The round's span attributes, status and events, and its log line (see sendRound). */
  private report(d: DeliveryRecord, after: DeliveryRecord | null, result: RoundResult, attempts: readonly NewAttempt[], span?: Span): void {
    // What the row became (the round's outcome; a row claimed again since keeps its own state).
    const status = after?.status ?? result.status;
    const provider = after?.provider ?? result.provider ?? undefined;
    const error = status === 'SENT' ? null : (after?.lastError ?? (result.status === 'SENT' ? null : result.lastError));
    const failover = result.status === 'SENT' ? result.failover : new Set(attempts.map((a) => a.provider)).size > 1;
    if (span?.isRecording()) {
      span.setAttributes(spanAttributes({ [SendSpanAttr.STATUS]: status, [NotifyAttr.PROVIDER]: provider, [SendSpanAttr.FAILOVER]: failover }));
      for (const a of attempts) {
        if (a.outcome !== 'BREAKER_OPEN' && a.outcome !== 'RATE_LIMITED') continue;
        span.addEvent(PROVIDER_SKIPPED_EVENT, spanAttributes({ [NotifyAttr.PROVIDER]: a.provider, 'notify.skip_reason': a.outcome, 'notify.error': a.error ?? undefined }));
      }
      if (status === 'FAILED' || status === 'DEAD') span.setStatus({ code: SpanStatusCode.ERROR, message: redactText(error ?? status) });
    }
    const fields = { delivery_id: d.id, status, provider: provider ?? null, rounds: after?.rounds ?? d.rounds + 1, attempts: attempts.length, failover };
    const tried = attempts.filter((a) => a.error).map((a) => providerError(a.provider, a.error!));
    if (status === 'DEAD') {
      // A permanent failure (the provider refused the number or the text) fails the same way when
      // re-driven; only a budget used up is worth a RetryDelivery (SRE QA: the line suggested it for both).
      const permanent = (error ?? '').startsWith('permanent:');
      this.o.logger.warn({ ...fields, error, tried }, permanent
        ? 'delivery DEAD: the provider refused it for good (a RetryDelivery would fail the same way; check the number or the text)'
        : 'delivery DEAD: no more rounds (RetryDelivery re-drives it)');
    } else if (status === 'FAILED') {
      const next = after?.nextAttemptAt ?? (result.status === 'FAILED' ? result.nextAttemptAt : null);
      const line = { ...fields, error, tried, next_attempt_at: next?.toISOString() ?? null, pinned_provider: after?.pinnedProvider ?? null };
      // No provider called: the channel's outage is logged once (noteChannel), not per held message and round.
      if (result.status === 'FAILED' && result.uncounted) {
        this.o.logger.debug({ ...line, uncounted_rounds: after?.uncountedRounds ?? d.uncountedRounds + 1 }, isPulledForward(d)
          ? 'delivery round pulled forward for a recovering provider failed: back to its own retry time (not counted)'
          : 'delivery round called no provider: retry scheduled');
      }
      else this.o.logger.info(line, 'delivery round failed: retry scheduled');
    } else {
      this.o.logger.debug(fields, 'delivery sent');
    }
  }

  private async afterChannel(
    d: DeliveryRecord,
    channel: Channel,
    text: string,
    res: ChannelSendResult,
    sender: ChannelSender,
    sendSms: (text: string) => Promise<ChannelSendResult>,
  ): Promise<RoundResult> {
    const primary = sender.names()[0];
    if (res.outcome.kind === 'accepted') {
      return {
        status: 'SENT', provider: res.provider!, providerMessageId: res.outcome.providerMessageId,
        // A delivery moved to SMS by a WhatsApp receipt (smsFallbackReason) went out by fallback too.
        costRupiah: this.o.costs[res.provider!] ?? 0, failover: res.provider !== primary || channel !== d.channel || d.smsFallbackReason !== null, channel, body: text === d.body ? null : text,
      };
    }
    if (res.outcome.kind === 'ambiguous') {
      return this.failure(d, res.provider, `ambiguous: ${res.outcome.reason}`, false, res.provider);
    }
    // Definite failure: WhatsApp → SMS fallback when the policy allows it.
    const canFallback = channel === 'WHATSAPP' && !d.pinnedProvider && canFallBackToSms(d, this.o.smsFallbackPriorities, this.o.channels.SMS !== undefined);
    if (canFallback) {
      const sms = await sendSms(d.fallbackBody!);
      if (sms.outcome.kind === 'accepted') {
        return {
          status: 'SENT', provider: sms.provider!, providerMessageId: sms.outcome.providerMessageId,
          costRupiah: this.o.costs[sms.provider!] ?? 0, failover: true, channel: 'SMS', body: d.fallbackBody === d.body ? null : d.fallbackBody!,
        };
      }
      if (sms.outcome.kind === 'ambiguous') return this.failure(d, sms.provider, `ambiguous: ${sms.outcome.reason}`, false, sms.provider);
      const permanentBoth = !res.outcome.retryable && !sms.outcome.retryable && res.outcome.fault === 'message';
      const waWait = res.outcome.retryAfterMs;
      const smsWait = sms.outcome.retryAfterMs;
      const wait = waWait !== undefined && smsWait !== undefined ? Math.min(waWait, smsWait) : undefined;
      const uncounted = noProviderCalled(res) && noProviderCalled(sms);
      // No provider called: the next round, no earlier than either chain can call one again.
      const callable = uncounted ? Math.min(callableIn(sender, undefined, waWait), callableIn(this.o.channels.SMS, undefined, smsWait)) : wait;
      return this.failure(d, sms.provider ?? res.provider, `${res.outcome.reason}; SMS fallback: ${sms.outcome.reason}`, permanentBoth, null, false, callable, uncounted);
    }
    const permanent = !res.outcome.retryable && res.outcome.fault === 'message';
    // An URGENT message pinned to a provider that now fails for sure (down, 5xx, breaker open)
    // is unpinned: its next round goes through the whole chain (and SMS fallback). It may then
    // reach the person twice (the ambiguous attempt may have been delivered); for URGENT that
    // beats never. Other priorities stay pinned (see the class comment).
    const unpin = d.pinnedProvider !== null && isUrgent(d.priority);
    // An unpinned URGENT message goes through the whole chain next round: its old provider's Retry-After does not hold it.
    const wait = unpin ? undefined : res.outcome.retryAfterMs;
    const uncounted = noProviderCalled(res);
    // No provider called: no retry before one (the pinned one, while pinned) can be called again.
    const callable = uncounted ? callableIn(sender, unpin ? undefined : (d.pinnedProvider ?? undefined), wait) : wait;
    const noSms = channel === 'WHATSAPP' ? whyNoSmsFallback(d, this.o.smsFallbackPriorities, this.o.channels.SMS !== undefined) : null;
    return this.failure(d, res.provider, res.outcome.reason, permanent, null, unpin, callable, uncounted, noSms);
  }

  /**
   * FAILED (retry after the backoff, and no earlier than `retryAfterMs`; `pinned` or the row's pin
   * kept unless `unpin`) or DEAD. `uncounted`: no provider was called in this round (every one
   * skipped: breaker open, Retry-After pause, pacing): the round does not count toward
   * DELIVERY_MAX_ATTEMPTS, so an outage longer than the retry budget does not make its messages
   * DEAD without a single call (QA: URGENT messages DEAD after five minutes of WhatsApp down,
   * the last rounds "breaker open"); `retryAfterMs` is then the time until a provider can be
   * called again, and the wait grows with each such round in a row (retryAfterUncountedRound;
   * QA: every breaker open, such rounds repeated at the first backoff for the whole outage). A
   * breaker half-opening or closing makes them due at once (expediteOnRecovery). `noSmsFallback`:
   * why a WhatsApp delivery did not go by SMS (whyNoSmsFallback), added to its DEAD error.
   */
  private failure(
    d: DeliveryRecord, provider: string | null, error: string, permanent: boolean, pinned: string | null, unpin = false, retryAfterMs?: number, uncounted = false,
    noSmsFallback: string | null = null,
  ): RoundResult {
    const now = this.o.clock();
    // A round pulled forward before its own retry time (a breaker's half-open trial, a provider
    // back: expediteOnRecovery) that failed again is the gateway's extra try, not the delivery's:
    // it does not count toward DELIVERY_MAX_ATTEMPTS and the delivery goes back to its own retry
    // time (QA: the trials pulled the same new messages every 30 s; a payment confirmation was DEAD
    // after two minutes of both WhatsApp providers down).
    if (!permanent && isPulledForward(d)) {
      const at = new Date(Math.max(d.nextAttemptAt!.getTime(), now.getTime() + (retryAfterMs ?? 0)));
      return { status: 'FAILED', provider, lastError: error, nextAttemptAt: at, pinnedProvider: unpin ? null : (pinned ?? d.pinnedProvider), uncounted: true };
    }
    const decision = uncounted && !permanent
      ? { kind: 'retry' as const, at: retryAfterUncountedRound(now, d.rounds, d.uncountedRounds + 1, this.o.backoff, retryAfterMs) }
      : decideAfterFailure(now, d.rounds + 1, this.o.maxRounds, permanent, this.o.backoff, retryAfterMs);
    if (decision.kind === 'dead') {
      const noSms = noSmsFallback ? `; no SMS fallback: ${noSmsFallback}` : '';
      return { status: 'DEAD', provider, lastError: permanent ? `permanent: ${error}${noSms}` : `gave up after ${d.rounds + 1} rounds: ${error}${noSms}` };
    }
    return {
      status: 'FAILED', provider, lastError: error, nextAttemptAt: decision.at, pinnedProvider: unpin ? null : (pinned ?? d.pinnedProvider),
      ...(uncounted && !permanent ? { uncounted: true } : {}),
    };
  }
}

/**
 * Ms until `sender` can call a provider again (`only`: that one), no less than `asked` (what the
 * providers asked to wait, Retry-After; the chain's answer when every one did). Without
 * ChannelSender.callableInMs: `asked`, else 0 (not known).
 */
function callableIn(sender: ChannelSender | undefined, only: string | undefined, asked: number | undefined): number {
  const known = sender?.callableInMs?.(only);
  return Math.max(known ?? 0, asked ?? 0);
}

/** True when a channel's round called no provider: each was skipped (breaker open, Retry-After pause, pacing). */
/**
 * A FAILED delivery made due before its own retry time (PgDeliveryStore.expediteFailed moves
 * `due_at`, not `next_attempt_at`): its round is a try of the gateway's, pulled forward because a
 * provider may be back.
 */
function isPulledForward(d: DeliveryRecord): boolean {
  return d.nextAttemptAt !== null && d.dueAt.getTime() < d.nextAttemptAt.getTime();
}

function noProviderCalled(res: ChannelSendResult): boolean {
  return res.attempts.length > 0 && res.attempts.every((a) => a.result === 'breaker_open' || a.result === 'rate_limited');
}

import { setTimeout as sleep } from 'node:timers/promises';
import CircuitBreaker from 'opossum';
import type { Logger } from '@notify/logger';
import { providerError, type OutgoingMessage, type SendOutcome } from '../../domain/send-outcome';
import { Pacer } from './pacer';
import { ProviderConnectionError, ProviderTimeoutError, type ProviderAdapter, type StatusLookup } from './provider-adapter';

/**
 * The default pacing horizon, ms: how far ahead of now a paced provider's slots count as
 * available (ProviderChain.pacing, the dispatcher's claims), and the longest a send waits for a
 * slot of a provider it reaches by failover. Short, because a row claimed for a send is SENDING
 * while it waits, and a SENDING row whose gateway died is taken as possibly sent.
 */
export const PACING_HORIZON_MS = 250;

/** Circuit breaker and timeout settings for every provider of a chain. */
export interface ProviderChainOptions {
  /** Per-call timeout in ms (an `AbortSignal.timeout` given to the adapter). Default 10,000. */
  timeoutMs?: number;
  /** % of failed calls in the rolling window that opens the breaker. Default 50. */
  errorThresholdPercentage?: number;
  /** Minimum calls in the rolling window before the breaker may open. Default 5. */
  volumeThreshold?: number;
  /** ms an open breaker waits before letting one trial call through (half-open). Default 30,000. */
  resetTimeout?: number;
  /** Rolling statistics window in ms. Default 10,000. */
  rollingCountTimeout?: number;
  /** Pacing per provider name, requests per second (`<NAME>_RATE_PER_SECOND`); absent or 0 = unpaced. */
  ratePerSecond?: Readonly<Record<string, number>>;
  /** Pacing horizon, ms (see {@link PACING_HORIZON_MS}, the default). */
  pacingHorizonMs?: number;
  /** Attempts kept per provider for `providers()` statistics. Default 100. */
  statsWindow?: number;
  /**
   * Where breaker transitions are logged, once per transition (opossum's `open`, `halfOpen`,
   * `close` events): warn when a provider's breaker opens (with the failure that opened it),
   * info when it half-opens and when it closes again. Default: not logged.
   */
  logger?: Pick<Logger, 'info' | 'warn'>;
}

/** What one provider attempt came to. */
export type AttemptResult =
  | 'accepted'
  | 'failed_retryable'
  | 'failed_permanent'
  | 'connection_error'
  | 'timeout'
  | 'breaker_open'
  | 'rate_limited';

/** One provider attempt, for the delivery's attempt record. `latencyMs` is 0 for `breaker_open` and `rate_limited` (not called). */
export interface ProviderAttempt {
  provider: string;
  result: AttemptResult;
  outcome?: SendOutcome;
  error?: string;
  latencyMs: number;
}

/** The chain's answer: a provider's outcome, or `ambiguous` (see `ProviderChain`). */
export type ChainOutcome = SendOutcome | { kind: 'ambiguous'; reason: string };

export interface ChainResult {
  outcome: ChainOutcome;
  /**
   * true when the send stopped because a wait for a pacing slot was cancelled (`signal` or
   * `pacingSignal`): that provider was not called.
   */
  cancelled?: boolean;
  /** The provider whose answer is `outcome` (the last one tried); null when none could be tried. */
  provider: string | null;
  attempts: ProviderAttempt[];
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/** A provider's health, for ListProviders and /metrics. */
export interface ProviderStatus {
  name: string;
  state: BreakerState;
  /** Share of the last `statsWindow` attempts that got an answer (accepted or a message-fault failure), 0..1; null before any. */
  successRate: number | null;
  /** Mean latency in ms of the last `statsWindow` calls that reached the network; null before any. */
  meanLatencyMs: number | null;
  /** Number of attempts the two figures above are computed from. */
  recentAttempts: number;
  /** Median and 99th percentile latency (ms) of the recent calls that reached the network; null before any. */
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  /** Latest failure's error text and time; null when none. */
  lastError: string | null;
  lastFailureAt: Date | null;
  /** Until when the provider is not called because it asked to wait (Retry-After); null when it is not paused. */
  pausedUntil: Date | null;
}

/** Thrown inside the breaker so that provider-side failures count against it. */
class ProviderFailure extends Error {
  constructor(readonly outcome: SendOutcome & { kind: 'failed' }) {
    super(outcome.reason);
  }
}

interface Entry {
  adapter: ProviderAdapter;
  breaker: CircuitBreaker<[OutgoingMessage, AbortSignal], SendOutcome>;
  recent: Array<{ ok: boolean; latencyMs: number | null }>;
  lastError: string | null;
  lastFailureAt: Date | null;
  /** Epoch ms before which the provider is not called (its latest `Retry-After`); 0 = not paused. */
  pausedUntil: number;
  /** Epoch ms at which the breaker, open since its latest `open`, half-opens (opened + resetTimeout); 0 = never opened. */
  halfOpensAt: number;
  /** This gateway's pacing of the provider; absent = unpaced. */
  pacer?: Pacer;
}

/**
 * An ordered list of providers for one channel (WhatsApp: Fonnte → Wablas; SMS: Twilio →
 * Advanta), each behind its own opossum circuit breaker, with failover.
 *
 * Per provider, in order:
 * - `accepted` → done.
 * - Definite failures → next provider at once: connection refused (`ProviderConnectionError`),
 *   HTTP 5xx / 429, retryable `status:false` (disconnected device, quota…), a permanent failure
 *   that is the provider's fault (bad credentials: the message is fine), breaker open. These
 *   (except breaker open) count as breaker failures.
 * - Retry-After (providers.md §3.2, Twilio 20429 "retry; honour Retry-After"): a failure carrying
 *   `retryAfterMs` (HTTP 429 / 503 with the header) pauses that provider for that long: until
 *   then it is not called (attempt `rate_limited`, nothing sent) and messages go on to the next
 *   provider. When every provider tried is paused or has just asked to wait, the chain's failure
 *   carries the shortest remaining wait as `retryAfterMs`, and the pipeline retries no earlier.
 * - Permanent failure that is the message's fault (invalid target / body) → STOP, no failover:
 *   every provider would refuse it. It does not count against the breaker (the provider is
 *   healthy).
 * - AMBIGUOUS: a timeout or a connection reset after the request was sent
 *   (`ProviderTimeoutError`) → STOP with `{kind:'ambiguous'}` and NO failover. Why: the
 *   provider may have queued the message (Fonnte and Wablas queue first, answer later,
 *   providers.md §0.2); sending it through another provider could deliver it twice, and a
 *   duplicate "technician on the way" is worse than a late one. The pipeline records the attempt
 *   as ambiguous and retries later on the SAME provider (whose receipt webhook may still settle
 *   it), so at worst that provider, not a second one, sees it twice. It counts as a breaker
 *   failure, so a provider that keeps timing out gets its breaker opened and new messages then
 *   fail over definitely (breaker open: nothing sent).
 * - All providers failed definitely → `failed` (retryable when any failure was retryable or the
 *   provider's fault), `provider` = the last one tried.
 *
 * Pacing (`ratePerSecond`, see Pacer): a paced provider is called only in its slot. The wait for
 * the slot happens here, before the breaker and before the call's timeout starts: it is not a
 * provider failure (never counted by the breaker, never a failover reason) and the timeout
 * measures the HTTP call only. The provider a send calls first waits for its slot however far it
 * is, unless `maxPacingWaitMs` says otherwise (the dispatcher claims no more rows than the
 * slots within the horizon, see {@link pacing}, so the wait is short); a provider reached by
 * failover waits at most the pacing horizon. A provider whose slot is further away than that is
 * not called (attempt `rate_limited`, nothing sent) and the send STOPS there with a retryable
 * failure carrying the wait as `retryAfterMs`: no failover because of pacing. Why: pacing is this
 * gateway's own choice for a healthy provider; moving its traffic to the backup (Wablas costs
 * more than Fonnte, SMS far more than WhatsApp) would defeat the pacing and raise the cost, and
 * with the dispatcher's claims bounded by the pacer the message waits at most a slot or two.
 * Timeouts are per call (`AbortSignal.timeout(timeoutMs)`, combined with the caller's signal);
 * opossum's own timeout is off, so the adapter's request is really aborted.
 */
export class ProviderChain {
  private readonly entries: Entry[];
  private readonly timeoutMs: number;
  private readonly statsWindow: number;
  /** The pacing horizon, ms. */
  readonly pacingHorizonMs: number;

  constructor(
    readonly channel: string,
    adapters: readonly ProviderAdapter[],
    options: ProviderChainOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.statsWindow = options.statsWindow ?? 100;
    this.pacingHorizonMs = options.pacingHorizonMs ?? PACING_HORIZON_MS;
    this.entries = adapters.map((adapter) => ({
      adapter,
      recent: [],
      lastError: null,
      lastFailureAt: null,
      pausedUntil: 0,
      halfOpensAt: 0,
      ...((options.ratePerSecond?.[adapter.name] ?? 0) > 0 ? { pacer: new Pacer(options.ratePerSecond![adapter.name]!) } : {}),
      breaker: new CircuitBreaker(
        async (msg: OutgoingMessage, signal: AbortSignal) => {
          const outcome = await adapter.send(msg, signal);
          if (outcome.kind === 'failed' && (outcome.retryable || outcome.fault === 'provider')) throw new ProviderFailure(outcome);
          return outcome;
        },
        {
          name: adapter.name,
          timeout: false,
          errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
          volumeThreshold: options.volumeThreshold ?? 5,
          resetTimeout: options.resetTimeout ?? 30_000,
          rollingCountTimeout: options.rollingCountTimeout ?? 10_000,
        },
      ),
    }));
    const resetTimeout = options.resetTimeout ?? 30_000;
    // opossum does not say when an open breaker half-opens (its `lastTimerAt` is set once, at construction).
    for (const e of this.entries) e.breaker.on('open', () => (e.halfOpensAt = Date.now() + resetTimeout));
    if (options.logger) for (const e of this.entries) this.logTransitions(e, options.logger, resetTimeout);
  }

  /**
   * Logs the breaker transitions of one provider (see ProviderChainOptions.logger). opossum emits
   * `open` / `halfOpen` / `close` only when the state changes, so each line is one transition.
   * The error that tripped it comes from opossum's `failure` event, which precedes `open`.
   */
  private logTransitions(entry: Entry, logger: Pick<Logger, 'info' | 'warn'>, resetTimeoutMs: number): void {
    const fields = { provider: entry.adapter.name, channel: this.channel };
    let lastError: string | null = null;
    entry.breaker.on('failure', (err: unknown) => {
      lastError = err instanceof Error ? err.message : String(err);
    });
    entry.breaker.on('open', () =>
      logger.warn({ ...fields, breaker: 'open', last_error: lastError, retry_in_ms: resetTimeoutMs }, 'provider circuit breaker opened: the provider is skipped until its trial call'));
    entry.breaker.on('halfOpen', () => logger.info({ ...fields, breaker: 'half-open' }, 'provider circuit breaker half-open: the next call is a trial'));
    entry.breaker.on('close', () => logger.info({ ...fields, breaker: 'closed' }, 'provider circuit breaker closed: the provider is called again'));
  }

  /**
   * Sends `msg` through the first provider that takes it (policy above). Never throws for
   * provider problems; `signal` (optional) cancels the whole send (an abort during a request is
   * reported as `ambiguous`; during a wait for a pacing slot, as `rate_limited`: nothing sent).
   * `options.only`: try that provider alone (the pipeline's retry after an ambiguous outcome goes
   * to the same provider, never to another); an unknown name answers `failed` (retryable, nothing
   * sent). `options.maxPacingWaitMs`: the longest wait for a pacing slot of the first provider
   * called, ms (default: however long; providers reached by failover wait at most the horizon).
   * `options.pacingSignal`: cancels a wait for a pacing slot only, never a provider call in
   * flight (the dispatcher's stop: a message waiting for its slot is not sent, one being sent is
   * answered); the result is then `cancelled`.
   */
  async send(
    msg: OutgoingMessage,
    options: { signal?: AbortSignal; pacingSignal?: AbortSignal; only?: string; maxPacingWaitMs?: number } | AbortSignal = {},
  ): Promise<ChainResult> {
    const opts = options instanceof AbortSignal ? { signal: options } : options;
    const signal = opts.signal;
    const waitSignal = signal && opts.pacingSignal ? AbortSignal.any([signal, opts.pacingSignal]) : (signal ?? opts.pacingSignal);
    let cancelled = false;
    const maxFirstWait = opts.maxPacingWaitMs ?? Number.POSITIVE_INFINITY;
    let called = false;
    const entries = opts.only === undefined ? this.entries : this.entries.filter((e) => e.adapter.name === opts.only);
    const attempts: ProviderAttempt[] = [];
    let lastFailure: (SendOutcome & { kind: 'failed' }) | null = null;
    let lastProvider: string | null = null;
    let anyRetryable = false;
    // The shortest wait any provider asked for, while every provider tried asked for one (null: one did not).
    let askedWaitMs: number | null | undefined;
    const waitAsked = (ms: number | undefined) => {
      askedWaitMs = ms === undefined || askedWaitMs === null ? null : Math.min(askedWaitMs ?? ms, ms);
    };
    for (const entry of entries) {
      const provider = entry.adapter.name;
      const pausedMs = entry.pausedUntil - Date.now();
      if (pausedMs > 0) {
        attempts.push({ provider, result: 'rate_limited', error: `${provider} asked to wait (Retry-After): not called for another ${Math.ceil(pausedMs / 1000)} s`, latencyMs: 0 });
        anyRetryable = true;
        waitAsked(pausedMs);
        continue;
      }
      if (entry.breaker.opened) {
        attempts.push({ provider, result: 'breaker_open', error: 'circuit breaker open', latencyMs: 0 });
        anyRetryable = true;
        waitAsked(undefined);
        continue;
      }
      if (entry.pacer) {
        // Pacing: wait for the provider's slot here, outside its breaker and before its timeout.
        const limit = called ? Math.min(this.pacingHorizonMs, maxFirstWait) : maxFirstWait;
        const wait = entry.pacer.tryReserve(limit);
        if (wait === null) {
          const nextMs = Math.ceil(entry.pacer.waitMs());
          attempts.push({ provider, result: 'rate_limited', error: `${provider}: paced by this gateway at ${entry.pacer.perSecond}/s, next free slot in ${nextMs} ms (not called)`, latencyMs: 0 });
          anyRetryable = true;
          waitAsked(nextMs);
          break; // no failover because of pacing (see the class comment)
        }
        if (wait > 0) {
          const waited = waitSignal?.aborted ? false : await sleep(wait, true, waitSignal ? { signal: waitSignal } : undefined).catch(() => false);
          if (!waited) {
            attempts.push({ provider, result: 'rate_limited', error: `${provider}: cancelled while waiting for its pacing slot (not called)`, latencyMs: 0 });
            anyRetryable = true;
            cancelled = true;
            waitAsked(undefined);
            break;
          }
        }
      }
      called = true;
      const timeout = AbortSignal.timeout(this.timeoutMs);
      const callSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
      const started = performance.now();
      try {
        const outcome = await entry.breaker.fire(msg, callSignal);
        const latencyMs = Math.round(performance.now() - started);
        this.record(entry, true, latencyMs);
        lastProvider = provider;
        if (outcome.kind === 'accepted') {
          attempts.push({ provider, result: 'accepted', outcome, latencyMs });
          return { outcome, provider, attempts };
        }
        // A message-fault permanent failure: the provider is fine, the message is not. Stop.
        attempts.push({ provider, result: 'failed_permanent', outcome, error: outcome.reason, latencyMs });
        return { outcome, provider, attempts };
      } catch (err) {
        const latencyMs = Math.round(performance.now() - started);
        if (err instanceof ProviderFailure) {
          this.record(entry, false, latencyMs, err.outcome.reason);
          lastFailure = err.outcome;
          lastProvider = provider;
          const retryAfterMs = err.outcome.retryAfterMs;
          if (retryAfterMs !== undefined && retryAfterMs > 0) entry.pausedUntil = Math.max(entry.pausedUntil, Date.now() + retryAfterMs);
          waitAsked(retryAfterMs !== undefined && retryAfterMs > 0 ? retryAfterMs : undefined);
          anyRetryable ||= err.outcome.retryable || err.outcome.fault === 'provider';
          attempts.push({
            provider,
            result: err.outcome.retryable ? 'failed_retryable' : 'failed_permanent',
            outcome: err.outcome,
            error: err.outcome.reason,
            latencyMs,
          });
          continue;
        }
        if (err instanceof ProviderConnectionError) {
          this.record(entry, false, null, err.message);
          lastProvider = provider;
          anyRetryable = true;
          attempts.push({ provider, result: 'connection_error', error: err.message, latencyMs });
          waitAsked(undefined);
          continue;
        }
        if (err instanceof ProviderTimeoutError) {
          this.record(entry, false, latencyMs, err.message);
          attempts.push({ provider, result: 'timeout', error: err.message, latencyMs });
          return { outcome: { kind: 'ambiguous', reason: err.message }, provider, attempts };
        }
        if ((err as { code?: string }).code === 'EOPENBREAKER') {
          // Opened meanwhile, or half-open with its trial call already in flight.
          attempts.push({ provider, result: 'breaker_open', error: 'circuit breaker open', latencyMs: 0 });
          anyRetryable = true;
          waitAsked(undefined);
          continue;
        }
        // A bug in an adapter: treat as a definite provider failure, keep the message moving.
        this.record(entry, false, null);
        lastProvider = provider;
        anyRetryable = true;
        attempts.push({ provider, result: 'connection_error', error: String(err), latencyMs });
        waitAsked(undefined);
      }
    }
    // Without a provider's own failure, the reason says what each provider did instead (QA: a bare
    // "no provider available" while the attempts said "circuit breaker open", "connect ECONNREFUSED").
    const why = attempts.filter((a) => a.error).map((a) => providerError(a.provider, a.error!));
    const reason = lastFailure?.reason ?? (why.length ? `no provider available (${why.join('; ')})` : 'no provider available');
    return {
      outcome: {
        kind: 'failed', retryable: anyRetryable, reason, fault: 'provider',
        ...(lastFailure?.httpStatus !== undefined ? { httpStatus: lastFailure.httpStatus } : {}),
        ...(typeof askedWaitMs === 'number' ? { retryAfterMs: askedWaitMs } : {}),
      },
      provider: lastProvider,
      attempts,
      ...(cancelled ? { cancelled: true } : {}),
    };
  }

  /** Names of this chain's providers that have a status look-up (ProviderAdapter.lookUpStatus), in chain order. */
  lookUpProviders(): string[] {
    return this.entries.filter((e) => e.adapter.lookUpStatus !== undefined).map((e) => e.adapter.name);
  }

  /**
   * Asks `provider` what became of a message it accepted (the receipt reconciliation's look-up):
   * its StatusLookup, or `unavailable` (with the reason) when the provider is not in this chain,
   * has no look-up, is behind an open breaker or paused by a Retry-After (not called), or no
   * answer came (connection error, or none within the chain's per-call timeout, ms). An
   * `unavailable` answer with a Retry-After pauses the provider as a send's would. Never throws. A look-up is not a send: it goes around the breaker (its failures open nothing) and
   * around pacing (pacing meters messages; the reconciler keeps its own look-ups few).
   */
  async lookUpStatus(provider: string, providerMessageId: string, signal?: AbortSignal): Promise<StatusLookup> {
    const entry = this.entries.find((e) => e.adapter.name === provider);
    if (!entry?.adapter.lookUpStatus) return { kind: 'unavailable', reason: `${provider}: no status look-up` };
    if (entry.breaker.opened) return { kind: 'unavailable', reason: `${provider}: circuit breaker open` };
    if (entry.pausedUntil > Date.now()) return { kind: 'unavailable', reason: `${provider}: asked to wait (Retry-After)` };
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      const answer = await entry.adapter.lookUpStatus(providerMessageId, signal ? AbortSignal.any([signal, timeout]) : timeout);
      // A 429's Retry-After holds the provider's API for sends and look-ups alike (Twilio 20429 is per account).
      if (answer.kind === 'unavailable' && answer.retryAfterMs !== undefined && answer.retryAfterMs > 0) {
        entry.pausedUntil = Math.max(entry.pausedUntil, Date.now() + answer.retryAfterMs);
      }
      return answer;
    } catch (err) {
      return { kind: 'unavailable', reason: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Provider names in chain order. */
  names(): string[] {
    return this.entries.map((e) => e.adapter.name);
  }

  /**
   * The pacing of the provider a send would call first now (the first one neither paused by a
   * Retry-After nor behind an open breaker): `capacity` = how many sends it can start within
   * `horizonMs` (default the chain's pacing horizon), `nextInMs` = ms until it can start one
   * more within that horizon (0 when capacity > 0). Unpaced, or no provider callable (a send
   * then only records skips): capacity Infinity, nextInMs 0.
   */
  pacing(horizonMs: number = this.pacingHorizonMs): { capacity: number; nextInMs: number } {
    const now = Date.now();
    const first = this.entries.find((e) => e.pausedUntil <= now && !e.breaker.opened);
    if (!first?.pacer) return { capacity: Number.POSITIVE_INFINITY, nextInMs: 0 };
    return { capacity: first.pacer.capacity(horizonMs), nextInMs: first.pacer.capacityInMs(horizonMs) };
  }

  /**
   * The pacing of one provider by name (a send pinned to it, `only`): how many sends it can start
   * within `horizonMs` and ms until it can start one more within it. Unpaced or unknown: capacity
   * Infinity, nextInMs 0.
   */
  providerPacing(provider: string, horizonMs: number = this.pacingHorizonMs): { capacity: number; nextInMs: number } {
    const pacer = this.entries.find((e) => e.adapter.name === provider)?.pacer;
    if (!pacer) return { capacity: Number.POSITIVE_INFINITY, nextInMs: 0 };
    return { capacity: pacer.capacity(horizonMs), nextInMs: pacer.capacityInMs(horizonMs) };
  }

  /** Each provider's breaker state, recent success rate (0..1) and mean latency (ms), in chain order. */
  providers(): ProviderStatus[] {
    return this.entries.map((e) => {
      const ok = e.recent.filter((r) => r.ok).length;
      const lat = e.recent.map((r) => r.latencyMs).filter((l): l is number => l !== null);
      const sorted = [...lat].sort((a, b) => a - b);
      const pct = (p: number) => (sorted.length > 0 ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : null);
      return {
        name: e.adapter.name,
        state: e.breaker.opened ? 'open' : e.breaker.halfOpen ? 'half-open' : 'closed',
        successRate: e.recent.length > 0 ? ok / e.recent.length : null,
        meanLatencyMs: lat.length > 0 ? lat.reduce((a, b) => a + b, 0) / lat.length : null,
        recentAttempts: e.recent.length,
        latencyP50Ms: pct(50),
        latencyP99Ms: pct(99),
        lastError: e.lastError,
        lastFailureAt: e.lastFailureAt,
        pausedUntil: e.pausedUntil > Date.now() ? new Date(e.pausedUntil) : null,
      };
    });
  }

  /**
   * Ms until a send could call a provider of this chain again (`only`: that provider alone; an
   * unknown name: 0): 0 when one can be called now (breaker closed or half-open, no Retry-After
   * pause), else the soonest of the providers' own waits, each the later of its open breaker's
   * half-open (resetTimeout after it opened) and the end of its Retry-After pause. Pacing is not
   * counted (a slot is a fraction of a second away). The dispatcher retries a round that called no
   * provider no earlier than this (retryAfterUncountedRound).
   */
  callableInMs(only?: string): number {
    const now = Date.now();
    const entries = only === undefined ? this.entries : this.entries.filter((e) => e.adapter.name === only);
    if (entries.length === 0) return 0;
    return Math.min(...entries.map((e) => Math.max(0, e.pausedUntil - now, e.breaker.opened ? e.halfOpensAt - now : 0)));
  }

  /**
   * Calls `listener(provider)` each time a provider's breaker half-opens (resetTimeout after it
   * opened): its next call is the trial that closes it again, or opens it for another
   * resetTimeout. Nothing calls it unless a message is sent, so the gateway makes a few of the
   * waiting deliveries due at once to be that trial (expediteOnRecovery), instead of leaving the
   * provider untried until the next one's backoff ends. A listener that throws is not the chain's concern.
   */
  onHalfOpen(listener: (provider: string) => void): void {
    for (const e of this.entries) {
      e.breaker.on('halfOpen', () => {
        try {
          listener(e.adapter.name);
        } catch {
          // The listener's own failure (it logs what it does).
        }
      });
    }
  }

  /**
   * Calls `listener(provider)` each time a provider's breaker closes again after it was open (a
   * trial call went through: the provider is back). The gateway makes the deliveries of this
   * channel that wait for a retry after a failed round due at once (PgDeliveryStore.expediteFailed),
   * so an outage's backlog goes out when the provider recovers, not at each one's backoff
   * (QA: a message waited two more minutes after the providers were back). A listener that
   * throws is not the chain's concern (its error is swallowed).
   */
  onRecovered(listener: (provider: string) => void): void {
    for (const e of this.entries) {
      e.breaker.on('close', () => {
        try {
          listener(e.adapter.name);
        } catch {
          // The listener's own failure (it logs what it does).
        }
      });
    }
  }

  /** Stops the breakers' timers (call on shutdown and at the end of tests). */
  close(): void {
    for (const e of this.entries) e.breaker.shutdown();
  }

  private record(entry: Entry, ok: boolean, latencyMs: number | null, error?: string): void {
    if (!ok) {
      entry.lastError = error ?? 'failed';
      entry.lastFailureAt = new Date();
    }
    entry.recent.push({ ok, latencyMs });
    if (entry.recent.length > this.statsWindow) entry.recent.shift();
  }
}

import { setTimeout as wait } from 'node:timers/promises';
import { failureStreak, type FailureStreak, type Logger, type StreakLogger } from '@notify/logger';
import type { ReceiptKind } from '../domain';
import type { ReceiptOutcome } from './handle-receipt.use-case';
import type { Clock, DeliveryStore, UnconfirmedDelivery } from './ports';

/**
 * What a provider answered to a status look-up (the provider chain's `lookUpStatus`): the status
 * the message reached (`error` for `failed`), `no_status` (nothing to act on yet: in between,
 * unknown id, an error answer) or `unavailable` (not called or no answer: breaker open,
 * Retry-After pause, connection error, timeout).
 */
export type LookUpResult =
  | { kind: 'status'; status: ReceiptKind; error?: string; at?: Date }
  | { kind: 'no_status' | 'unavailable'; reason: string };

/** How one look-up ended, for logs and the `notify_gateway_receipt_lookups_total` metric. */
export type LookUpOutcome = 'applied' | 'no_change' | 'no_status' | 'unavailable' | 'error';

/** Options of {@link ReceiptReconciler}; the durations are ms. */
export interface ReceiptReconcilerOptions {
  store: Pick<DeliveryStore, 'claimUnconfirmed' | 'returnUnchecked'>;
  /** Applies what a look-up found exactly as the provider's receipt webhook would (HandleReceiptUseCase). */
  receipts: { execute(r: { provider: string; providerMessageId: string; status: ReceiptKind; error?: string; at: Date }): Promise<ReceiptOutcome> };
  /** Asks the provider (ProviderChain.lookUpStatus); never throws. */
  lookUp: (provider: string, providerMessageId: string, signal: AbortSignal) => Promise<LookUpResult>;
  /** The providers to look up now (RECEIPT_CHECK_PROVIDERS that have a look-up and are not behind an open breaker). */
  providers: () => readonly string[];
  clock: Clock;
  logger: Pick<Logger, 'info' | 'warn' | 'debug' | 'error'>;
  /** How often a pass runs (RECEIPT_CHECK_INTERVAL_MS). */
  intervalMs: number;
  /** First look-up this long after the send; each next one 3× the previous wait (RECEIPT_CHECK_AFTER_MS). */
  afterMs: number;
  /** Deliveries sent longer ago than this are not looked up (RECEIPT_CHECK_MAX_AGE_MS). */
  maxAgeMs: number;
  /** Look-ups per provider message at most (RECEIPT_CHECK_MAX). */
  maxChecks: number;
  /** Deliveries claimed per pass at most (RECEIPT_CHECK_BATCH). */
  batch: number;
  /** Look-ups in flight at once (default 4): a provider's API is asked gently. */
  concurrency?: number;
  /** Told about every look-up (metrics). */
  onLookUp?: (provider: string, outcome: LookUpOutcome) => void;
  /**
   * The sweep of kept receipts whose send was recorded but which were never applied
   * (HandleReceiptUseCase.applyStrandedKept), run by the loop at its start and before each pass.
   */
  sweepKept?: () => Promise<number>;
}

/** What one pass did (counts of deliveries). */
export interface ReconcilePass {
  claimed: number;
  applied: number;
  noChange: number;
  noStatus: number;
  unavailable: number;
  errors: number;
}

/**
 * Receipt reconciliation (issue 5 "Receipts": a receipt moves the delivery to DELIVERED / READ /
 * FAILED; this is for the receipts that never arrive). providers.md documents a webhook retry for
 * Fonnte only (§1.7: non-200 answers retried); Twilio's status callbacks (§3.3) and Advanta's DLR
 * push (§4.3) have none documented, so one posted while the gateway or its Postgres was down, or
 * lost on the way, leaves the delivery SENT for ever. Every `intervalMs` this claims
 * SENT deliveries of the look-up providers that are `afterMs` past their send (then 3×, 9×… that
 * wait, at most `maxChecks` look-ups, none older than `maxAgeMs`; PgDeliveryStore.claimUnconfirmed,
 * safe with several replicas), asks the provider what became of each (Twilio's Message fetch,
 * Advanta's getdlr, Fonnte's deprecated /status when enabled; Wablas documents none) and applies
 * the answer through the receipt path — the same rules, the same dedupe: a receipt that arrives
 * after its look-up is a duplicate, a `failed` answer spends a round like a failed receipt; the
 * receipt is dated when the provider says (Advanta's `delivery-time`; Twilio's `date_updated`, the
 * resource's last change: the status change, or a little later when the price is set), else now. A look-up that got no answer (the provider unreachable, rate
 * limited, failing or refusing our credentials) is given back (it does not count) and due again
 * after `afterMs`; once one of its look-ups came back unanswered, that provider's remaining ones in
 * the pass are given back without asking it (up to `concurrency` may already be in flight). Logs one info line per pass that changed something, one warn per provider that could not
 * answer in a pass (with its reason: a credentials problem shows there), a warn per answer whose
 * receipt could not be applied (the pass goes on). The loop also runs the sweep of receipts that
 * did arrive but were kept for a send recorded only after them and never applied (`sweepKept`: at
 * its start and before each pass, whether or not any provider is looked up).
 */
export class ReceiptReconciler {
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;

  /** Failed passes, logged as one outage (@notify/logger failureStreak). */
  private readonly passFailures: FailureStreak;
  /** Failed sweeps of stranded kept receipts, likewise. */
  private readonly sweepFailures: FailureStreak;

  constructor(private readonly o: ReceiptReconcilerOptions) {
    this.passFailures = failureStreak(o.logger as unknown as StreakLogger, 'receipt reconciliation');
    this.sweepFailures = failureStreak(o.logger as unknown as StreakLogger, 'kept receipts sweep');
  }

  /** Starts the periodic passes (the first after one interval; the sweep of kept receipts at once, then before each pass). */
  start(): void {
    this.loop ??= this.run();
  }

  /**
   * Ends the loop: a pass in progress is cut short — its look-ups in flight are aborted and, with
   * the ones not made yet, given back (due again after `afterMs`); the answers already in are
   * applied. No new pass starts. Resolves when the pass has ended.
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    await this.sweepKept();
    while (!signal.aborted) {
      const slept = await wait(this.o.intervalMs, true, { signal }).catch(() => false);
      if (!slept) return;
      await this.sweepKept();
      try {
        await this.runOnce();
        this.passFailures.success();
      } catch (err) {
        this.passFailures.failure('warn', { err }, 'receipt reconciliation pass failed; next pass at the next interval');
      }
    }
  }

  /** The sweep of stranded kept receipts (see `sweepKept`); a failure is logged, the next pass tries again. */
  private async sweepKept(): Promise<void> {
    if (!this.o.sweepKept || this.stopping.signal.aborted) return;
    try {
      await this.o.sweepKept();
      this.sweepFailures.success();
    } catch (err) {
      this.sweepFailures.failure('warn', { err }, 'kept receipts sweep failed; next sweep at the next interval');
    }
  }

  /**
   * One pass: claim up to `batch` due deliveries, look each up (`concurrency` at once), apply the
   * answers. Rejects only when the claim or the give-back fails (Postgres); a failed look-up or
   * receipt is counted and logged.
   */
  async runOnce(): Promise<ReconcilePass> {
    const pass: ReconcilePass = { claimed: 0, applied: 0, noChange: 0, noStatus: 0, unavailable: 0, errors: 0 };
    const providers = this.o.providers();
    if (providers.length === 0) return pass;
    const claimed = await this.o.store.claimUnconfirmed(this.o.clock(), {
      providers, afterMs: this.o.afterMs, maxAgeMs: this.o.maxAgeMs, maxChecks: this.o.maxChecks, limit: this.o.batch,
    });
    pass.claimed = claimed.length;
    if (claimed.length === 0) return pass;
    const unanswered: UnconfirmedDelivery[] = [];
    /** Providers that could not answer in this pass, and why: their other look-ups are given back unasked. */
    const down = new Map<string, string>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < claimed.length) {
        const d = claimed[next++]!;
        const outcome = down.has(d.provider) || this.stopping.signal.aborted ? 'unavailable' : await this.check(d, down);
        this.o.onLookUp?.(d.provider, outcome);
        if (outcome === 'applied') pass.applied++;
        else if (outcome === 'no_change') pass.noChange++;
        else if (outcome === 'no_status') pass.noStatus++;
        else {
          if (outcome === 'error') pass.errors++;
          else pass.unavailable++;
          unanswered.push(d);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency ?? 4, claimed.length) }, worker));
    if (unanswered.length > 0) await this.o.store.returnUnchecked(unanswered, new Date(this.o.clock().getTime() + this.o.afterMs));
    const fields = { ...pass, providers };
    if (pass.applied > 0 || pass.unavailable > 0 || pass.errors > 0) this.o.logger.info(fields, 'receipt reconciliation: deliveries without a receipt looked up at their providers');
    else this.o.logger.debug(fields, 'receipt reconciliation pass');
    return pass;
  }

  private async check(d: UnconfirmedDelivery, down: Map<string, string>): Promise<LookUpOutcome> {
    const found = await this.o.lookUp(d.provider, d.providerMessageId, this.stopping.signal);
    if (found.kind === 'unavailable' && !down.has(d.provider) && !this.stopping.signal.aborted) {
      down.set(d.provider, found.reason);
      this.o.logger.warn({ provider: d.provider, reason: found.reason }, 'status look-ups: the provider could not answer; this pass\'s look-ups of it are given back (asked again after RECEIPT_CHECK_AFTER_MS)');
    }
    if (found.kind !== 'status') {
      this.o.logger.debug({ delivery_id: d.id, provider: d.provider, reason: found.reason, checks: d.checks }, `status look-up: ${found.kind}`);
      return found.kind;
    }
    const now = this.o.clock();
    // When the provider says it happened (never later than now: a clock ahead of ours is not believed).
    const at = found.at && found.at.getTime() <= now.getTime() ? found.at : now;
    try {
      const applied = await this.o.receipts.execute({
        provider: d.provider, providerMessageId: d.providerMessageId, status: found.status, at, ...(found.error !== undefined ? { error: found.error } : {}),
      });
      return applied === 'applied' ? 'applied' : 'no_change';
    } catch (err) {
      this.o.logger.warn({ err, delivery_id: d.id, provider: d.provider, status: found.status }, 'status look-up answered, but its receipt could not be applied (looked up again later)');
      return 'error';
    }
  }
}

import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { Logger } from '@notify/logger';
import { NotifyAttr, extractTraceContext, spanAttributes, withSpan } from '@notify/telemetry';
import { decideAfterFailedReceipt, isPermanentReceiptFailure, type Priority, type ReceiptKind } from '../domain';
import type { Clock, DeliveryStore, KeptReceiptsApplied, ReceiptFailurePolicy, ReceiptResult } from './ports';

/** A provider receipt, normalized (structurally the webhook server's ProviderReceipt). */
export interface ReceiptInput {
  provider: string;
  providerMessageId?: string;
  stateId?: string;
  status: ReceiptKind;
  error?: string;
  at: Date;
}

export type ReceiptOutcome = 'applied' | 'duplicate' | 'no_change' | 'kept' | 'unknown';

/**
 * The sweep of stranded kept receipts ({@link HandleReceiptUseCase.applyStrandedKept}) takes only
 * those kept longer than this, ms: a younger one is still the round's own applyKeptReceipts' to
 * apply, right after its commit (applying it twice is impossible either way; this only spares the
 * sweep the work and the log line).
 */
export const KEPT_SWEEP_MIN_AGE_MS = 10_000;
/** Messages with stranded kept receipts applied per sweep at most (the next sweep takes the rest). */
export const KEPT_SWEEP_BATCH = 500;

/** The dispatcher's retry and fallback policy, as a failed receipt needs it (see receiptFailurePolicy). */
export interface ReceiptRetryPolicy {
  /** Send rounds before DEAD (DELIVERY_MAX_ATTEMPTS), as the dispatcher's. */
  maxRounds: number;
  /** Wait before round n+1 after n failed rounds, ms: the dispatcher's backoff (backoffMs of @notify/db). */
  backoff: (round: number) => number;
  /** Priorities whose WhatsApp deliveries may go by SMS (SMS_FALLBACK_PRIORITIES); default none. */
  smsFallbackPriorities?: readonly Priority[];
  /** An SMS provider is configured (the gateway has an SMS chain); default false. */
  smsConfigured?: boolean;
}

/**
 * What a failed receipt applied at `now` makes of its delivery: decideAfterFailedReceipt with the
 * receipt's permanence read from the provider's word (isPermanentReceiptFailure). Used for live
 * receipts (HandleReceiptUseCase) and for those kept until their send was recorded (the
 * dispatcher's applyKeptReceipts), so both follow one policy.
 */
export function receiptFailurePolicy(now: Date, p: ReceiptRetryPolicy): ReceiptFailurePolicy {
  const policy = { maxRounds: p.maxRounds, backoff: p.backoff, smsFallbackPriorities: p.smsFallbackPriorities ?? [], smsConfigured: p.smsConfigured ?? false };
  return (d, r) => decideAfterFailedReceipt(now, d, isPermanentReceiptFailure(r.provider, r.error), policy);
}

/**
 * A provider receipt (issue 5 "Receipts"): finds the delivery by (provider, provider message
 * id), or by Fonnte's stateid for its later receipts, and moves it to DELIVERED / READ / FAILED
 * — never backwards (READ after DELIVERED moves on, DELIVERED after READ is a no-op); an
 * identical receipt twice is a no-op; a `pending` one only stores Fonnte's stateid link.
 * A receipt may overtake the sender's own bookkeeping (the provider answers the send slowly, its
 * callback comes first): a receipt no delivery matches yet is KEPT (`kept`, logged at info: in an
 * ambiguous timeout it may be the only trace that the provider sent the message) and applied,
 * with the same rules, when the round that records its message id commits (the dispatcher's
 * applyKeptReceipts), by the message's next receipt, or by the sweep ({@link applyStrandedKept},
 * the receipt reconciliation's loop: at start and every RECEIPT_CHECK_INTERVAL_MS) when the
 * gateway stopped between the round's commit and its applyKeptReceipts; one nothing ever matches
 * is dropped (and logged) after RECEIPTS_RETENTION_MS. The webhook answers 200 either way
 * (Fonnte would retry otherwise). A receipt applied together with kept ones logs them (`kept`)
 * and the status before them all (`from`).
 * `unknown`: the receipt names no message (logged at warn).
 * A `failed` receipt on a SENT delivery counts as a failed round under the dispatcher's retry
 * policy (`decideAfterFailure` with the rounds already made): DEAD when they reached
 * `maxRounds`, else FAILED with the next round after `backoff(rounds)` — unless the provider's
 * word says no retry can reach the number (isPermanentReceiptFailure: Fonnte `invalid`, Twilio
 * 30004/30005/30006, Advanta DeliveryImpossible): then a WhatsApp delivery that may fall back
 * goes by SMS at once, any other is DEAD at once (decideAfterFailedReceipt).
 */
export class HandleReceiptUseCase {
  constructor(
    private readonly o: ReceiptRetryPolicy & {
      store: DeliveryStore;
      clock: Clock;
      logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
      /** Called when a receipt made a delivery due at once (moved to SMS): wakes the dispatcher. */
      onDue?: () => void;
    },
  ) {}

  /**
   * Applies one receipt (see the class comment) in a span `gateway.receipt` (provider, message
   * id, receipt status; once applied the delivery's id, the status it moved from and to) that is
   * LINKED to the trace the delivery was made in (its stored trace context), so a tracing UI shows
   * the receipt from the send's trace and back (SRE QA: the webhook's trace named no delivery).
   * Resolves with what became of it.
   */
  async execute(r: ReceiptInput): Promise<ReceiptOutcome> {
    return withSpan(
      'gateway.receipt',
      { [NotifyAttr.PROVIDER]: r.provider, 'notify.provider_message_id': r.providerMessageId ?? r.stateId, 'notify.receipt_status': r.status },
      async (span) => {
        const res = await this.apply(r);
        if (res.kind === 'applied' && span.isRecording()) {
          const d = res.delivery;
          span.setAttributes(spanAttributes({ [NotifyAttr.DELIVERY_ID]: d.id, 'notify.delivery.from': res.from, 'notify.delivery.status': d.status }));
          const sent = d.traceContext ? trace.getSpanContext(extractTraceContext(d.traceContext, ROOT_CONTEXT)) : undefined;
          if (sent) span.addLink({ context: sent, attributes: { 'notify.link': 'the trace the delivery was made in' } });
        }
        if (span.isRecording()) span.setAttribute('notify.receipt_outcome', res.kind);
        return res.kind;
      },
    );
  }

  private async apply(r: ReceiptInput): Promise<ReceiptResult> {
    const now = this.o.clock();
    const res = await this.o.store.applyReceipt(r, now, receiptFailurePolicy(now, this.o));
    const ids = { provider: r.provider, provider_message_id: r.providerMessageId, state_id: r.stateId, status: r.status };
    if (res.kind === 'applied') {
      const d = res.delivery;
      const fields = { delivery_id: d.id, provider: r.provider, from: res.from, to: d.status, ...(res.kept?.length ? { status: r.status, kept: res.kept } : {}) };
      // A failed receipt ends a delivery like a failed round does: DEAD at warn, FAILED with its retry time.
      if (d.status === 'DEAD') {
        // A permanent refusal fails the same way when re-driven; a used-up budget is worth a RetryDelivery.
        const permanent = (d.lastError ?? '').includes('(permanent');
        this.o.logger.warn({ ...fields, rounds: d.rounds, error: d.lastError }, permanent
          ? 'receipt applied: delivery DEAD (the provider says the number cannot be reached; a RetryDelivery would fail the same way)'
          : 'receipt applied: delivery DEAD (no more rounds; RetryDelivery re-drives it)');
      }
      else if (d.status === 'FAILED' && d.smsFallbackReason === `${r.provider}: ${r.error ?? 'failed'}`) {
        this.o.logger.info({ ...fields, rounds: d.rounds, error: d.lastError }, 'receipt applied: the number cannot get WhatsApp; the delivery goes by SMS now');
        this.o.onDue?.();
      } else if (d.status === 'FAILED') this.o.logger.info({ ...fields, rounds: d.rounds, error: d.lastError, next_attempt_at: d.nextAttemptAt?.toISOString() ?? null }, 'receipt applied: delivery failed, retry scheduled');
      else this.o.logger.info(fields, 'receipt applied');
    } else if (res.kind === 'kept') {
      this.o.logger.info(ids, 'receipt for a message not recorded (yet): kept until its send is recorded');
    } else if (res.kind === 'unknown') {
      this.o.logger.warn(ids, 'receipt without a message id or stateid (ignored)');
    }
    return res;
  }

  /**
   * The sweep of stranded kept receipts: applies the receipts kept more than `minAgeMs` ago whose
   * send a round has recorded since (the gateway was killed after the round committed and before
   * the dispatcher's applyKeptReceipts ran: nothing else would apply them when no later receipt
   * comes), under the same failure policy as a live receipt. Logs each delivery moved (kept, then
   * applied: from → to). Resolves with the number of deliveries that had receipts applied.
   */
  async applyStrandedKept(minAgeMs = KEPT_SWEEP_MIN_AGE_MS, limit = KEPT_SWEEP_BATCH): Promise<number> {
    const now = this.o.clock();
    const applied = await this.o.store.applyStrandedKeptReceipts(minAgeMs, limit, now, receiptFailurePolicy(now, this.o));
    let due = false;
    for (const a of applied) {
      this.logStrandedApplied(a);
      if (a.delivery.status === 'FAILED' && a.delivery.nextAttemptAt && a.delivery.nextAttemptAt.getTime() <= now.getTime()) due = true;
    }
    if (due) this.o.onDue?.();
    return applied.length;
  }

  private logStrandedApplied({ delivery: d, from, kept }: KeptReceiptsApplied): void {
    const fields = {
      delivery_id: d.id, provider: d.provider, provider_message_id: d.providerMessageId, kept, from, to: d.status,
      ...(d.status === 'FAILED' || d.status === 'DEAD' ? { rounds: d.rounds, error: d.lastError, next_attempt_at: d.nextAttemptAt?.toISOString() ?? null } : {}),
    };
    const msg = 'receipts kept before the send was recorded applied by the sweep (the round was recorded but its kept receipts were not applied: the gateway stopped in between)';
    if (d.status === 'DEAD') this.o.logger.warn(fields, `${msg}: delivery DEAD`);
    else this.o.logger.info(fields, from === d.status ? `${msg}: no change` : msg);
  }
}

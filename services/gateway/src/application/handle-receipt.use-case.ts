import type { Logger } from '@notify/logger';
import { decideAfterFailure, type ReceiptKind } from '../domain';
import type { Clock, DeliveryStore } from './ports';

/** A provider receipt, normalized (structurally the webhook server's ProviderReceipt). */
export interface ReceiptInput {
  provider: string;
  providerMessageId?: string;
  stateId?: string;
  status: ReceiptKind;
  error?: string;
  at: Date;
}

export type ReceiptOutcome = 'applied' | 'duplicate' | 'no_change' | 'unknown';

/**
 * A provider receipt (issue 5 "Receipts"): finds the delivery by (provider, provider message
 * id), or by Fonnte's stateid for its later receipts, and moves it to DELIVERED / READ / FAILED
 * — never backwards (READ after DELIVERED moves on, DELIVERED after READ is a no-op); an
 * identical receipt twice is a no-op; a `pending` one only stores Fonnte's stateid link. A
 * receipt may overtake the sender's own bookkeeping (simulators post 50 ms after accepting), so
 * an unknown id is looked up again `retries` times `retryDelayMs` apart (default 5 × 200 ms)
 * before it is logged as unknown (the webhook still answers 200: Fonnte would retry otherwise).
 * A `failed` receipt on a SENT delivery counts as a failed round under the dispatcher's retry
 * policy (`decideAfterFailure` with the rounds already made): DEAD when they reached
 * `maxRounds`, else FAILED with the next round after `backoff(rounds)`.
 */
export class HandleReceiptUseCase {
  constructor(
    private readonly o: {
      store: DeliveryStore;
      clock: Clock;
      logger: Pick<Logger, 'info' | 'warn'>;
      /** Send rounds before DEAD (DELIVERY_MAX_ATTEMPTS), as the dispatcher's. */
      maxRounds: number;
      /** Wait before round n+1 after n failed rounds, ms: the dispatcher's backoff (backoffMs of @notify/db). */
      backoff: (round: number) => number;
      retries?: number;
      retryDelayMs?: number;
    },
  ) {}

  async execute(r: ReceiptInput): Promise<ReceiptOutcome> {
    const retries = this.o.retries ?? 5;
    for (let i = 0; ; i++) {
      const now = this.o.clock();
      const res = await this.o.store.applyReceipt(r, now, (rounds) => decideAfterFailure(now, rounds, this.o.maxRounds, false, this.o.backoff));
      if (res.kind === 'applied') {
        this.o.logger.info({ delivery_id: res.delivery.id, provider: r.provider, from: res.from, to: res.delivery.status }, 'receipt applied');
        return 'applied';
      }
      if (res.kind !== 'unknown') return res.kind;
      if (i >= retries) break;
      await new Promise((resolve) => setTimeout(resolve, this.o.retryDelayMs ?? 200));
    }
    this.o.logger.warn({ provider: r.provider, provider_message_id: r.providerMessageId, state_id: r.stateId, status: r.status }, 'receipt for an unknown message id (ignored)');
    return 'unknown';
  }
}

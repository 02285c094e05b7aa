import type { Logger } from '@notify/logger';
import type { Channel, Priority } from '../domain';
import type { WakeSignal } from './dispatcher';
import type { Clock, DeliveryStore } from './ports';

/** A channel's breaker transitions (structurally the ProviderChain's `onHalfOpen` / `onRecovered`). */
export interface ProviderRecoveryEvents {
  /** `listener(provider)` when a provider's breaker half-opens (its next call is the trial). */
  onHalfOpen?(listener: (provider: string) => void): void;
  /** `listener(provider)` when a provider's breaker closes again after it was open. */
  onRecovered?(listener: (provider: string) => void): void;
}

/**
 * Deliveries made due when a provider's breaker half-opens, to be its trial call (default of
 * {@link ExpediteOnRecoveryOptions.trialDeliveries}): two, not one, in case one is withdrawn at its
 * claim (or is the trial of another provider of the chain that half-opened too); not the backlog,
 * which would meet a breaker that lets one call through (the rest: rounds without a call).
 */
export const HALF_OPEN_TRIAL_DELIVERIES = 2;

/**
 * After a breaker closes, the channel's waiting deliveries are made due again this many ms later
 * (ms): rounds that were in flight when it closed (other trials refused by the half-open breaker)
 * record their retry time after the first pass and would otherwise wait for it.
 */
export const RECOVERY_LATER_PASSES_MS: readonly number[] = [2_000, 10_000];

export interface ExpediteOnRecoveryOptions {
  channel: Channel;
  chain: ProviderRecoveryEvents;
  store: Pick<DeliveryStore, 'expediteFailed'>;
  clock: Clock;
  logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
  wake: Pick<WakeSignal, 'poke'>;
  /** SMS_FALLBACK_PRIORITIES: for the SMS channel, the WhatsApp deliveries that may fall back to SMS go too. */
  smsFallbackPriorities: readonly Priority[];
  /** See {@link HALF_OPEN_TRIAL_DELIVERIES}. */
  trialDeliveries?: number;
  /** See {@link RECOVERY_LATER_PASSES_MS}. */
  laterPassesMs?: readonly number[];
}

/**
 * A channel's deliveries waiting for a retry after a failed round (PgDeliveryStore.expediteFailed)
 * go when its providers come back, not at each one's backoff, which grows through an outage
 * (rounds that called no provider back off further, retryAfterUncountedRound):
 * - a breaker half-opens (resetTimeout after it opened): a few deliveries that can go to that
 *   provider (the fewest rounds first) are made due now; the first of them is the trial call. Without it
 *   nothing would call the provider until some delivery's backoff ended (up to
 *   DELIVERY_RETRY_MAX_MS after a long outage), and the breaker would stay half-open that long;
 * - the trial went through and the breaker closed: every delivery of the channel waiting is made
 *   due now (QA: up to minutes later otherwise), and again RECOVERY_LATER_PASSES_MS later for the
 *   rounds that were in flight then; for SMS also the WhatsApp ones that may fall back.
 * The dispatcher is woken when any was made due. Failures are logged (the deliveries then go at
 * their retry time).
 */
export function expediteOnRecovery(o: ExpediteOnRecoveryOptions): { stop(): void } {
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const { channel, store, logger } = o;
  const priorities = channel === 'SMS' ? o.smsFallbackPriorities : [];
  o.chain.onRecovered?.((provider) => {
    // SMS back: also the WhatsApp messages that may fall back to SMS (WhatsApp may still be down).
    const pass = (later: boolean) => store.expediteFailed(channel, o.clock(), priorities).then(
      (n) => {
        if (!later) logger.info({ provider, channel, deliveries: n }, 'provider recovered: the failed deliveries of its channel waiting for a retry are due now');
        else if (n > 0) logger.info({ provider, channel, deliveries: n }, 'provider recovered: deliveries whose round was in flight at the recovery are due now too');
        if (n > 0) o.wake.poke();
      },
      (err: unknown) => logger.warn({ provider, channel, err }, 'provider recovered, but its channel\'s failed deliveries could not be made due (they go at their retry time)'),
    );
    void pass(false);
    // Rounds in flight when the breaker closed (trials the half-open breaker refused) record their
    // retry time after this pass: catch them too.
    for (const ms of o.laterPassesMs ?? RECOVERY_LATER_PASSES_MS) {
      if (stopped) break;
      const t = setTimeout(() => {
        timers.delete(t);
        if (!stopped) void pass(true);
      }, ms);
      t.unref();
      timers.add(t);
    }
  });
  o.chain.onHalfOpen?.((provider) => {
    const limit = o.trialDeliveries ?? HALF_OPEN_TRIAL_DELIVERIES;
    store.expediteFailed(channel, o.clock(), priorities, { provider, limit }).then(
      (n) => {
        logger.debug({ provider, channel, deliveries: n }, 'provider breaker half-open: deliveries waiting for a retry made due for its trial call');
        if (n > 0) o.wake.poke();
      },
      (err: unknown) => logger.warn({ provider, channel, err }, 'provider breaker half-open, but no waiting delivery could be made due for its trial call (they go at their retry time)'),
    );
  });
  return {
    /** Cancels the later passes still to come (the gateway stops). */
    stop(): void {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}

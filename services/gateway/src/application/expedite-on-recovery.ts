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
 *   due now (QA: up to minutes later otherwise); for SMS also the WhatsApp ones that may fall back.
 * The dispatcher is woken when any was made due. Failures are logged (the deliveries then go at
 * their retry time).
 */
export function expediteOnRecovery(o: ExpediteOnRecoveryOptions): void {
  const { channel, store, logger } = o;
  const priorities = channel === 'SMS' ? o.smsFallbackPriorities : [];
  o.chain.onRecovered?.((provider) => {
    // SMS back: also the WhatsApp messages that may fall back to SMS (WhatsApp may still be down).
    store.expediteFailed(channel, o.clock(), priorities).then(
      (n) => {
        logger.info({ provider, channel, deliveries: n }, 'provider recovered: the failed deliveries of its channel waiting for a retry are due now');
        if (n > 0) o.wake.poke();
      },
      (err: unknown) => logger.warn({ provider, channel, err }, 'provider recovered, but its channel\'s failed deliveries could not be made due (they go at their retry time)'),
    );
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
}

import { ValidationError } from '@notify/errors';
import { isChannel, normalizePhone, OPT_OUT_REASON_MAX, type Channel, type OptOut } from '../../domain';
import type { Clock, CustomerUnitOfWork, IdGenerator, OptOutRepository } from '../ports';
import { actorOf, authorize, type Principal } from '../principal';

/**
 * OptOut: the phone (any accepted form) opts out of a channel, or of each of `channels` (every
 * channel: both), whoever owns the number (e.g. a "STOP" reply seen by the gateway). Idempotent:
 * an existing opt-out for the same phone and channel is returned unchanged (its reason and
 * time). ResolveRecipients then leaves the number out on that channel (OPTED_OUT). The opt-outs
 * and their `opted_out` events (one per channel, published every call: the gateway withdraws the
 * messages to the phone on that channel still waiting, also those resolved just before) are
 * written in one transaction. Resolves with each channel's record, in the order asked. Roles:
 * OptOut. Errors: Validation (phone, channel, reason over {@link OPT_OUT_REASON_MAX} characters).
 */
export class OptOutUseCase {
  constructor(private readonly deps: { readonly uow: CustomerUnitOfWork; readonly clock: Clock; readonly ids: IdGenerator }) {}

  async execute(principal: Principal, input: { readonly phone: string; readonly channel: Channel; readonly reason?: string }): Promise<OptOut> {
    return (await this.executeAll(principal, { phone: input.phone, channels: [input.channel], ...(input.reason !== undefined ? { reason: input.reason } : {}) }))[0]!;
  }

  /** As {@link execute}, for several channels at once (an opt-out of every channel). */
  async executeAll(principal: Principal, input: { readonly phone: string; readonly channels: readonly Channel[]; readonly reason?: string }): Promise<OptOut[]> {
    authorize(principal, 'OptOut', 'record opt-outs');
    for (const c of input.channels) if (!isChannel(c)) throw new ValidationError('channel', `must be WHATSAPP or SMS, got "${c}"`);
    const reason = input.reason?.trim() || null;
    if (reason && reason.length > OPT_OUT_REASON_MAX) throw new ValidationError('reason', `is longer than ${OPT_OUT_REASON_MAX} characters`);
    const phone = normalizePhone(input.phone);
    const at = this.deps.clock.now();
    return this.deps.uow.run(async (tx) => {
      const recorded: OptOut[] = [];
      for (const channel of input.channels) {
        const optOut = await tx.optOuts.addIfAbsent({ phone, channel, reason, at });
        await tx.outbox.append({ eventId: this.deps.ids.newId(), kind: 'opted_out', occurredAt: at, actor: actorOf(principal), optOut });
        recorded.push(optOut);
      }
      return recorded;
    });
  }
}

/**
 * OptIn: lifts the phone's (any accepted form) opt-out of `channels` (both for "every channel"),
 * e.g. a customer asking to hear from the ISP again, or the gateway on a "MULAI" reply.
 * Idempotent: resolves how many opt-outs were lifted (0 when there were none) and the phone as
 * stored. ResolveRecipients then includes the number again. Roles: OptIn. Errors: Validation
 * (phone, channel).
 */
export class OptInUseCase {
  constructor(private readonly deps: { readonly optOuts: OptOutRepository }) {}

  async execute(principal: Principal, input: { readonly phone: string; readonly channels: readonly Channel[] }): Promise<{ lifted: number; phone: string }> {
    authorize(principal, 'OptIn', 'lift opt-outs');
    for (const c of input.channels) if (!isChannel(c)) throw new ValidationError('channel', `must be WHATSAPP or SMS, got "${c}"`);
    const phone = normalizePhone(input.phone);
    return { lifted: await this.deps.optOuts.remove(phone, input.channels), phone };
  }
}

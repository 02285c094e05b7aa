import { randomUUID } from 'node:crypto';
import { callUnary } from '@notify/grpc-kit';
import { createLogger } from '@notify/logger';
import { commonv1, customerv1 } from '@notify/proto';
import { createTechnicianReplyHandler, InMemoryInboundDedupe, isStartCommand, isStopCommand, REPLY_TEXTS, type InboundReply, type TechnicianReplyHandler } from '../../src/application/replies';
import { GrpcRecipientDirectory } from '../../src/infrastructure/clients/grpc-recipient.directory';
import { RecordingReplySender, startReplyStack, type ReplyStack } from './support/reply-stack';

/**
 * A STOP reply (customer_service.proto OptOut: "service (the gateway on a STOP reply)") against
 * the REAL customer service over gRPC: from a number that is not staff it records a WhatsApp
 * opt-out and confirms, and MULAI lifts it again; from staff it changes nothing and says whom
 * to ask; in a group it is chatter. Only the outbound WhatsApp send is replaced by a recording sender.
 */
describe('STOP reply → WhatsApp opt-out (customer service over gRPC)', () => {
  let stack: ReplyStack;
  let sender: RecordingReplySender;
  let handler: TechnicianReplyHandler;

  beforeAll(async () => {
    stack = await startReplyStack('stopreply');
    sender = new RecordingReplySender();
    handler = createTechnicianReplyHandler({
      customers: new GrpcRecipientDirectory(stack.customer),
      customer: stack.customer,
      ticket: stack.ticket,
      sender,
      logger: createLogger({ service: 'gateway', level: 'silent' }),
      dedupe: new InMemoryInboundDedupe(100),
      supportPhone: '6282112345678',
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  let seq = 0;
  const freshPhone = () => `628138${String(Date.now() % 1e5).padStart(5, '0')}${String(++seq).padStart(2, '0')}`;
  const reply = (from: string, text: string, extra: Partial<InboundReply> = {}) =>
    handler.handle({ provider: 'fonnte', from, text, isGroup: false, messageId: randomUUID(), ...extra });
  /** The opt-out recorded for `phone` (OptOut is idempotent: an existing one comes back unchanged). */
  const optOutOf = async (phone: string) =>
    (await callUnary(stack.adminCustomer, 'optOut', customerv1.OptOutRequest.fromPartial({ phone, channel: commonv1.Channel.CHANNEL_WHATSAPP, reason: 'probe' }))).optOut!;

  it('recognises STOP, BERHENTI and UNSUBSCRIBE alone, in any case, not inside a sentence', () => {
    for (const t of ['STOP', ' stop ', 'Stop!', 'berhenti.', 'UNSUBSCRIBE']) expect(isStopCommand(t)).toBe(true);
    for (const t of ['1', 'stop dulu', 'jangan stop layanan saya', 'STOPP', '']) expect(isStopCommand(t)).toBe(false);
  });

  it('STOP from a number that is not staff opts it out of WhatsApp and confirms it (once: a retried webhook does nothing)', async () => {
    const phone = freshPhone();
    const messageId = randomUUID();
    const r = await reply(phone, 'Stop', { messageId });
    expect(r).toEqual({ action: 'opted_out', reply: REPLY_TEXTS.optedOut() });
    expect(sender.to(phone)).toEqual([{ to: phone, text: REPLY_TEXTS.optedOut(), provider: 'fonnte', priority: 'URGENT' }]); // URGENT: not held by the rate limit (QA)
    const recorded = await optOutOf(phone);
    expect(recorded).toMatchObject({ phone, channel: commonv1.Channel.CHANNEL_WHATSAPP, reason: 'STOP reply via fonnte' });
    expect(await reply(phone, 'Stop', { messageId })).toEqual({ action: 'duplicate', reply: '' });
    expect(sender.to(phone)).toHaveLength(1);
  });

  it('STOP from a Singapore sender (6591234567, whose digits are also an Indonesian number) opts out exactly that number', async () => {
    const singapore = `6591${String(Date.now() % 1_000_000).padStart(6, '0')}`; // 91xx xxxx: a Singapore mobile range (99… is not allocated)
    expect((await reply(singapore, 'STOP')).action).toBe('opted_out');
    expect(await optOutOf(`+${singapore}`)).toMatchObject({ phone: singapore, reason: 'STOP reply via fonnte' });
    // Not the Indonesian reading of the same digits.
    expect((await optOutOf(`+62${singapore}`)).reason).toBe('probe');
  });

  it('MULAI after STOP lifts the opt-out and confirms; MULAI from a number that never opted out is any text', async () => {
    expect(['MULAI', 'start!', 'Subscribe'].every(isStartCommand)).toBe(true);
    expect(isStartCommand('mulai kerja')).toBe(false);
    const phone = freshPhone();
    expect((await reply(phone, 'STOP')).action).toBe('opted_out');
    expect(await reply(phone, 'mulai')).toEqual({ action: 'opted_in', reply: REPLY_TEXTS.optedIn() });
    expect(sender.to(phone).map((s) => s.text)).toEqual([REPLY_TEXTS.optedOut(), REPLY_TEXTS.optedIn()]);
    // Lifted: the probe records a fresh opt-out (its own reason), not the STOP one.
    expect((await optOutOf(phone)).reason).toBe('probe');

    const never = freshPhone();
    // MULAI from a number that never opted out: it already gets the messages (QA: it read "reply STOP…").
    expect(await reply(never, 'MULAI')).toEqual({ action: 'already_opted_in', reply: REPLY_TEXTS.alreadyOptedIn() });
  });

  it('STOP from a staff member changes nothing and says an admin changes it; in a group it is chatter', async () => {
    const phone = freshPhone();
    const staff = (await callUnary(stack.adminCustomer, 'createStaff', customerv1.CreateStaffRequest.fromPartial({ name: 'Andi Teknisi', phone, role: commonv1.Role.ROLE_TECHNICIAN, workZones: ['karawang'] }))).staff!;
    const r = await reply(phone, 'STOP');
    expect(r).toEqual({ action: 'opt_out_refused', reply: REPLY_TEXTS.optOutRefused(staff.name), recipient: { kind: 'STAFF', id: staff.id, name: 'Andi Teknisi' } });
    expect(sender.to(phone).map((s) => s.text)).toEqual([REPLY_TEXTS.optOutRefused(staff.name)]);
    // Not opted out: the probe's own opt-out is the first one recorded.
    expect((await optOutOf(phone)).reason).toBe('probe');

    const stranger = freshPhone();
    expect(await reply(stranger, 'STOP', { isGroup: true, group: '120363000000000000@g.us' })).toEqual({ action: 'not_a_command', reply: '' });
    expect((await optOutOf(stranger)).reason).toBe('probe');

    // A deactivated staff record does not hold a number: STOP from it opts it out (QA: a staff
    // record left on a customer's number blocked her STOP), and MULAI lifts it again.
    const former = freshPhone();
    const left = (await callUnary(stack.adminCustomer, 'createStaff', customerv1.CreateStaffRequest.fromPartial({ name: 'Budi Lama', phone: former, role: commonv1.Role.ROLE_TECHNICIAN }))).staff!;
    await callUnary(stack.adminCustomer, 'updateStaff', { staff: customerv1.Staff.fromPartial({ id: left.id, active: false }), updateMask: ['active'] });
    expect((await reply(former, 'STOP')).action).toBe('opted_out');
    expect((await optOutOf(former)).reason).toMatch(/^STOP reply via /);
    expect((await reply(former, 'MULAI')).action).toBe('opted_in');
  });

  it('a registered customer who writes in is answered as a customer (where to get help, STOP), not as an unregistered technician; an unknown number as before', async () => {
    const phone = freshPhone();
    const { customer } = await callUnary(stack.adminCustomer, 'registerCustomer', customerv1.RegisterCustomerRequest.fromPartial({
      name: 'Siti Rahma', phone, address: 'Jl. Kenanga 3', workZone: 'karawang', packageName: 'Home 20 Mbps',
    }));
    const r = await reply(phone, 'halo, internet saya mati lagi');
    // The answer names her as its recipient (the delivery log shows who it went to).
    const siti = { kind: 'CUSTOMER', id: customer!.id, name: 'Siti Rahma' };
    expect(r).toEqual({ action: 'customer_message', reply: REPLY_TEXTS.customerMessage('Siti Rahma', '+6282112345678'), recipient: siti });
    expect(sender.to(phone)[0]!.recipient).toEqual(siti);
    expect(r.reply).toContain('Halo Siti Rahma');
    expect(r.reply).toContain('customer service kami di +6282112345678.'); // as the welcome's `phone` filter shows it
    expect(r.reply).not.toContain('teknisi');
    expect(sender.to(phone).map((s) => s.text)).toEqual([r.reply]);
    // Without SUPPORT_PHONE no number is named.
    expect(REPLY_TEXTS.customerMessage('Siti Rahma', '')).toContain('silakan hubungi customer service kami. Balas *STOP*');
    // STOP from the customer still opts out; written to afterwards, the answer says how to get the messages again (QA: "reply STOP" again).
    const stop = await reply(phone, 'STOP');
    // Answered URGENT (a rate-limited number must not wait for it) and named (QA: a bare phone).
    expect(stop).toMatchObject({ action: 'opted_out', recipient: siti });
    expect(sender.to(phone).at(-1)).toMatchObject({ text: REPLY_TEXTS.optedOut(), priority: 'URGENT', recipient: siti });
    const optedOut = await reply(phone, 'halo?');
    expect(optedOut).toEqual({ action: 'customer_message', reply: REPLY_TEXTS.customerOptedOut('Siti Rahma', '+6282112345678'), recipient: siti });
    expect(optedOut.reply).toContain('Balas *MULAI*');
    expect(optedOut.reply).not.toContain('*STOP*');
    expect(await reply(phone, 'MULAI')).toMatchObject({ action: 'opted_in', recipient: siti });
    expect(sender.to(phone).at(-1)).toMatchObject({ priority: 'URGENT', recipient: siti });

    // An unknown number: the support number named too (QA).
    const stranger = freshPhone();
    expect(await reply(stranger, 'halo')).toEqual({ action: 'unknown_sender', reply: REPLY_TEXTS.unknownSender('+6282112345678') });
    expect(REPLY_TEXTS.unknownSender('+6282112345678')).toContain('hubungi customer service kami di +6282112345678, atau balas *STOP*');
    expect(REPLY_TEXTS.unknownSender()).toContain('hubungi customer service kami, atau balas *STOP*');
  });
});

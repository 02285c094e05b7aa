import { ZodError } from 'zod';
import {
  parseAdvantaDlr, parseFonnteInbound, parseFonnteStatus, parseTwilioStatus, parseWablasInbound, parseWablasStatus,
} from '../../src/transport/http/webhook-payloads';

const now = new Date('2026-01-15T03:00:00Z');
const parsedAt = (r: ReturnType<typeof parseAdvantaDlr>) => (r.kind === 'ok' ? r.value.at : undefined);

describe('webhook payload parsers', () => {
  it('Fonnte: first receipt by id+stateid with its unix timestamp; later by stateid; invalid → failed; pending ignored', () => {
    expect(parseFonnteStatus({ device: '628', id: 80367170, stateid: 'ab', status: 'sent', state: 'sent', timestamp: 1768446000 }, now)).toEqual({
      kind: 'ok', value: { provider: 'fonnte', providerMessageId: '80367170', stateId: 'ab', status: 'sent', at: new Date(1768446000 * 1000) },
    });
    expect(parseFonnteStatus({ stateid: 'ab', state: 'read' }, now)).toEqual({ kind: 'ok', value: { provider: 'fonnte', stateId: 'ab', status: 'read', at: now } });
    expect(parseFonnteStatus({ id: '1', stateid: 'ab', status: 'invalid', state: 'failed' }, now)).toMatchObject({ value: { status: 'failed', error: 'invalid' } });
    expect(parseFonnteStatus({ id: '1', status: 'pending' }, now).kind).toBe('ignored');
    expect(() => parseFonnteStatus({ status: 'sent' }, now)).toThrow(ZodError);
  });

  it('Fonnte: an in-between status (pending, processing, waiting; §1.6) with id + stateid is a pending receipt (the link); without both, ignored', () => {
    for (const word of ['pending', 'Processing', 'waiting']) {
      expect(parseFonnteStatus({ id: 7, stateid: 'st', status: word, timestamp: 1768446000 }, now)).toEqual({
        kind: 'ok', value: { provider: 'fonnte', providerMessageId: '7', stateId: 'st', status: 'pending', at: new Date(1768446000 * 1000) },
      });
    }
    expect(parseFonnteStatus({ stateid: 'st', state: 'pending' }, now).kind).toBe('ignored');
    expect(parseFonnteStatus({ id: '7', status: 'waiting' }, now).kind).toBe('ignored');
    expect(parseFonnteStatus({ id: '7', stateid: 'st', status: 'url unreachable' }, now).kind).toBe('ignored');
  });

  it('a provider time that cannot be believed is the time of arrival: milliseconds read as such, a huge, future or month-old value is now (QA: year 58903, a 500)', () => {
    const at = (timestamp: unknown) => {
      const r = parseFonnteStatus({ id: '1', stateid: 's', status: 'delivered', timestamp }, now);
      return r.kind === 'ok' ? r.value.at : undefined;
    };
    expect(at(1768446000 * 1000 - 60_000)).toEqual(new Date(now.getTime() - 60_000)); // milliseconds
    expect(at(String(1768446000 - 60))).toEqual(new Date(now.getTime() - 60_000));
    expect(at(99999999999999)).toEqual(now);
    expect(at(1e300)).toEqual(now);
    expect(at(1768446000 + 3600)).toEqual(now); // an hour ahead of our clock
    expect(at(1768446000 + 120)).toEqual(new Date(now.getTime() + 120_000)); // two minutes: clock skew
    expect(at(1768446000 - 40 * 86_400)).toEqual(now); // 40 days old
    expect(at('1.5e9')).toEqual(now);
    expect(parsedAt(parseAdvantaDlr({ description: 'DeliveredToTerminal', messageid: '1', timestamp: '2025-09-12 10:16:10' }, now))).toEqual(now);
  });

  it('status words that are Object.prototype members are not statuses', () => {
    for (const word of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(parseFonnteStatus({ id: '1', stateid: 's', status: word, state: word }, now)).toMatchObject({ kind: 'ignored' });
      expect(parseWablasStatus({ id: 'u1', status: word }, now)).toMatchObject({ kind: 'ignored' });
      expect(parseTwilioStatus({ MessageSid: 'SM1', MessageStatus: word }, now)).toMatchObject({ kind: 'ignored' });
      expect(parseAdvantaDlr({ description: word, messageid: '1' }, now)).toMatchObject({ kind: 'ignored' });
    }
  });

  it('Fonnte inbound: a group message is from its member', () => {
    expect(parseFonnteInbound({ sender: '120363@g.us', member: '62822', message: '1', isgroup: true })).toEqual({
      provider: 'fonnte', from: '62822', text: '1', isGroup: true, group: '120363@g.us',
    });
    expect(() => parseFonnteInbound({ sender: '120363@g.us', message: '1', isgroup: true })).toThrow(ZodError);
  });

  it('Fonnte inbound: a numeric message is its text; a button reply without message is its `text` (§1.7b); neither is malformed', () => {
    expect(parseFonnteInbound({ sender: '62822', message: 1 })).toMatchObject({ from: '62822', text: '1', isGroup: false });
    expect(parseFonnteInbound({ sender: '62822', message: '', text: '1' })).toMatchObject({ text: '1' });
    expect(parseFonnteInbound({ sender: '62822', text: 1 })).toMatchObject({ text: '1' });
    expect(parseFonnteInbound({ sender: '62822', message: 'halo', text: 'Ambil' })).toMatchObject({ text: 'halo' });
    expect(parseFonnteInbound({ sender: '62822', message: '' })).toMatchObject({ text: '' });
    expect(() => parseFonnteInbound({ sender: '62822' })).toThrow(ZodError);
    expect(() => parseFonnteInbound({ sender: '62822', message: { a: 1 } })).toThrow(ZodError);
  });

  it('Wablas: white-label words; failed carries the note; inbound isGroup as a string', () => {
    expect(parseWablasStatus({ id: 'u1', status: 'received' }, now)).toMatchObject({ value: { status: 'delivered' } });
    expect(parseWablasStatus({ id: 'u1', status: 'reject', note: 'banned' }, now)).toMatchObject({ value: { status: 'failed', error: 'banned' } });
    expect(parseWablasStatus({ id: 'u1', status: 'pending' }, now).kind).toBe('ignored');
    // cancel (§2.7): the message will not go (QA: ignored, the delivery stayed SENT).
    expect(parseWablasStatus({ id: 'u1', status: 'cancel' }, now)).toMatchObject({ value: { status: 'failed', error: 'cancel' } });
    expect(parseWablasInbound({ phone: '62822', message: '1', isGroup: 'false' })).toEqual({ provider: 'wablas', from: '62822', text: '1', isGroup: false });
  });

  it('Twilio: queued/sending ignored, undelivered → failed with the error code', () => {
    expect(parseTwilioStatus({ MessageSid: 'SM1', MessageStatus: 'queued' }, now).kind).toBe('ignored');
    expect(parseTwilioStatus({ MessageSid: 'SM1', MessageStatus: 'undelivered', ErrorCode: '30003' }, now)).toMatchObject({
      value: { status: 'failed', error: 'undelivered (30003)' },
    });
    expect(parseTwilioStatus({ MessageSid: 'SM1', MessageStatus: 'canceled' }, now)).toMatchObject({ value: { status: 'failed', error: 'canceled' } });
  });

  it('Advanta: EAT timestamp; documented failure descriptions → failed; Scheduled ignored', () => {
    expect(parseAdvantaDlr({ description: 'DeliveredToTerminal', messageid: 1889191, timestamp: '2026-01-15 06:00:00' }, now)).toEqual({
      kind: 'ok', value: { provider: 'advanta', providerMessageId: '1889191', status: 'delivered', at: now },
    });
    expect(parseAdvantaDlr({ description: 'AbsentSubscriber', messageid: '1' }, now)).toMatchObject({ value: { status: 'failed', error: 'AbsentSubscriber' } });
    expect(parseAdvantaDlr({ description: 'Scheduled', messageid: '1' }, now).kind).toBe('ignored');
  });
});

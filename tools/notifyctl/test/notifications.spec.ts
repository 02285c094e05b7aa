import { commonv1, gatewayv1 } from '@notify/proto';
import { leftOutList, notificationOutcome, notificationTable } from '../src/commands/notifications';

const S = gatewayv1.NotificationStatus;
const n = (over: Partial<gatewayv1.Notification>) =>
  gatewayv1.Notification.fromPartial({
    id: '7d0c8e51-3f2a-4b6e-9a1d-2c4e6f8a0b1c', source: gatewayv1.NotificationSource.NOTIFICATION_SOURCE_EVENT,
    notificationType: commonv1.NotificationType.NOTIFICATION_TYPE_TICKET_ESCALATED, status: S.NOTIFICATION_STATUS_RESOLVED,
    createdAt: new Date('2026-12-07T02:15:00Z'), ...over,
  });

describe('notificationOutcome (notifications list / show)', () => {
  it('says a notification reached nobody, and why when a text could not be rendered', () => {
    expect(notificationOutcome(n({ deliveriesCreated: 0 }))).toBe('reached nobody: the routing rules, preferences and opt-outs left nobody (an audience with no one active in it?)');
    expect(notificationOutcome(n({ deliveriesCreated: 0, leftOut: 1 }))).toBe('reached nobody: all 1 left out (opted out, no phone, inactive, a channel switched off or a phone another recipient has)');
    expect(notificationOutcome(n({ status: S.NOTIFICATION_STATUS_FAILED, deliveriesCreated: 0, leftOut: 3, error: 'template ticket.created.disturbance: missing variable: cs_phone' })))
      .toBe('reached nobody: template ticket.created.disturbance: missing variable: cs_phone');
  });

  it('counts who was left out of one that reached others; nothing to say for a complete one; resolving while it is', () => {
    expect(notificationOutcome(n({ deliveriesCreated: 4, leftOut: 2 }))).toBe('2 left out (opted out, no phone, inactive, a channel switched off or a phone another recipient has)');
    expect(notificationOutcome(n({ deliveriesCreated: 4, leftOut: 1, error: 'missing variable: rating' }))).toBe('1 left out: missing variable: rating');
    expect(notificationOutcome(n({ deliveriesCreated: 4 }))).toBe('');
    expect(notificationOutcome(n({ status: S.NOTIFICATION_STATUS_RESOLVING }))).toBe('resolving');
  });

  it('lists them in a table: id, time in WIB, source, type, status, counts, outcome', () => {
    const lines = notificationTable([n({ deliveriesCreated: 0 })]).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+CREATED\s+SOURCE\s+TYPE\s+STATUS\s+DELIVERIES\s+LEFT OUT\s+OUTCOME$/);
    expect(lines[1]).toMatch(/^7d0c8e51-3f2a-4b6e-9a1d-2c4e6f8a0b1c\s+2026-12-07 09:15 WIB\s+EVENT\s+TICKET_ESCALATED\s+RESOLVED\s+0\s+0\s+reached nobody: /);
  });
});

describe('leftOutList (notifications show)', () => {
  const K = commonv1.RecipientKind;
  const CH = commonv1.Channel;
  const ID = '0b9f7c1e-5b1a-4d4e-9f57-1d2c3b4a5f60';
  it('names each person left out with kind, id and reason, and how many more were counted', () => {
    const text = leftOutList(n({
      leftOut: 5,
      leftOutRecipients: [
        { kind: K.RECIPIENT_KIND_CUSTOMER, id: ID, address: '', name: 'Budi Santoso', reason: 'opted out of WHATSAPP', channel: CH.CHANNEL_WHATSAPP },
        { kind: K.RECIPIENT_KIND_STAFF, id: ID, address: '', name: '', reason: 'not found in the directory', channel: CH.CHANNEL_UNSPECIFIED },
        { kind: K.RECIPIENT_KIND_PHONE, id: '', address: '6281234567890', name: '', reason: 'opted out of SMS', channel: CH.CHANNEL_SMS },
        { kind: K.RECIPIENT_KIND_PHONE, id: '', address: '', name: '', reason: 'x', channel: CH.CHANNEL_SMS },
      ],
    }));
    expect(text.split('\n')).toEqual([
      'Left out:',
      `  Budi Santoso (customer ${ID}): opted out of WHATSAPP`,
      `  staff ${ID}: not found in the directory`,
      '  phone 6281234567890: opted out of SMS',
      '  a phone: x',
      '  … and 1 more, not named (a notification keeps the first 50 by name)',
      '', // ends with a line break (QA: the shell prompt followed the last line)
    ]);
  });
  it('is empty when nobody is named', () => {
    expect(leftOutList(n({ leftOut: 0 }))).toBe('');
    expect(leftOutList(n({ leftOut: 3 }))).toBe('');
  });
});

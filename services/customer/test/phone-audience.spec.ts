// PHONE, the explicit audience of one bare phone (the gateway's Notify to a phone): the phone is
// normalized and judged by its opt-outs (per channel) like anyone's, a phone that is also a
// resolved person's address is that person's, and a stored routing rule cannot name it.
import { ValidationError } from '@notify/errors';
import { commonv1 } from '@notify/proto';
import { buildRoutingRule, explicitAudienceRules, type ExplicitAudience } from '../src/domain';
import { explicitAudienceFromProto, leftOutToProto, recipientToProto } from '../src/transport/grpc/customer.proto-mapper';
import { ADMIN, SERVICE, customerFixture } from './support/customer-fixture';

function validationOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('PHONE audience (domain)', () => {
  const build = (audiences: ExplicitAudience[]) => explicitAudienceRules({ notificationType: 'upgrade.offer', audiences, channels: [], context: {}, storedRules: [] });

  it('normalizes the phone, ranks last, and names a missing or bad phone', () => {
    const rules = build([{ audience: 'PHONE', phone: '0812 3450 0001' }, { audience: 'ALL_STAFF' }, { audience: 'PHONE', phone: '+62 812-3450-0002' }]);
    expect(rules.map((r) => [r.rule.audience, r.context.phone])).toEqual([['ALL_STAFF', undefined], ['PHONE', '6281234500001'], ['PHONE', '6281234500002']]);
    expect(validationOf(() => build([{ audience: 'PHONE' }])).field).toBe('audiences[0].phone');
    expect(validationOf(() => build([{ audience: 'ALL_STAFF' }, { audience: 'PHONE', phone: 'call me' }])).field).toBe('audiences[1].phone');
  });

  it('a stored routing rule cannot name PHONE', () => {
    expect(validationOf(() => buildRoutingRule({
      notificationType: 'upgrade.offer', ticketType: null, escalationLevel: null, audience: 'PHONE', channels: ['WHATSAPP'],
      templateKey: 'upgrade.offer', enabled: true, source: 't',
    })).field).toBe('audience');
  });
});

describe('ResolveRecipients with PHONE audiences (use case, in-memory ports)', () => {
  async function world() {
    const f = await customerFixture();
    await f.uc.createStaff.execute(ADMIN, { id: 'sup-1', name: 'Sari', role: 'supervisor', phone: '6281200000001', workZones: [], active: true });
    const resolve = (audiences: ExplicitAudience[], channels: string[] = []) =>
      f.uc.resolve.resolve(SERVICE, { notificationType: 'upgrade.offer', context: {}, audiences, channels });
    return { f, resolve };
  }
  const phones = (...list: string[]): ExplicitAudience[] => list.map((phone) => ({ audience: 'PHONE', phone }));

  it('each phone is a recipient of kind phone; an opted-out one is left out (OPTED_OUT) on that channel only', async () => {
    const { f, resolve } = await world();
    await f.uc.optOut.execute(SERVICE, { phone: '081234500002', channel: 'WHATSAPP' });
    await f.uc.optOut.execute(SERVICE, { phone: '081234500003', channel: 'WHATSAPP' });
    const r = await resolve(phones('081234500001', '081234500002', '081234500003', '+6281234500001'));
    expect(r.recipients.map((x) => [x.kind, x.address, x.channel, x.name, x.audience, x.templateKey, x.locale, x.quietHours]))
      .toEqual([['phone', '6281234500001', 'WHATSAPP', '', 'PHONE', 'upgrade.offer', 'id', null]]);
    // One left-out entry per phone (not one for all bare phones).
    expect(r.leftOut.map((l) => [l.kind, l.id, l.reason, l.audience])).toEqual([
      ['phone', '6281234500002', 'OPTED_OUT', 'PHONE'], ['phone', '6281234500003', 'OPTED_OUT', 'PHONE'],
    ]);
    const both = await resolve(phones('081234500002'), ['WHATSAPP', 'SMS']);
    expect(both.recipients.map((x) => [x.address, x.channel])).toEqual([['6281234500002', 'SMS']]);
  });

  it('a phone that is also a resolved staff member\'s is sent to once, as that staff member', async () => {
    const { resolve } = await world();
    const r = await resolve([...phones('081200000001', '081234500009'), { audience: 'STAFF_ROLES', roles: ['supervisor'] }]);
    expect(r.recipients.map((x) => [x.kind, x.id, x.address])).toEqual([['staff', 'sup-1', '6281200000001'], ['phone', '6281234500009', '6281234500009']]);
    expect(r.leftOut).toEqual([]);
  });
});

describe('PHONE on the wire', () => {
  it('maps Audience.phone in, and a phone recipient / left-out out as RECIPIENT_KIND_PHONE without an id', () => {
    const a = explicitAudienceFromProto(commonv1.Audience.fromPartial({ kind: commonv1.AudienceKind.AUDIENCE_KIND_PHONE, phone: '081234500001' }), 0);
    expect(a).toMatchObject({ audience: 'PHONE', phone: '081234500001' });
    const r = recipientToProto({
      kind: 'phone', id: '6281234500001', name: '', channel: 'WHATSAPP', address: '6281234500001', locale: 'id', quietHours: null,
      timeZone: 'Asia/Jakarta', templateKey: 'upgrade.offer', audience: 'PHONE',
    });
    expect(r).toMatchObject({ kind: commonv1.RecipientKind.RECIPIENT_KIND_PHONE, id: '', address: '6281234500001', audience: commonv1.AudienceKind.AUDIENCE_KIND_PHONE, smsFallbackRefused: false });
    // A number that opted out of SMS refuses the gateway's SMS fallback on the wire too.
    expect(recipientToProto({
      kind: 'phone', id: '6281234500001', name: '', channel: 'WHATSAPP', address: '6281234500001', locale: 'id', quietHours: null,
      timeZone: 'Asia/Jakarta', templateKey: 'upgrade.offer', audience: 'PHONE', smsFallbackRefused: true,
    }).smsFallbackRefused).toBe(true);
    const l = leftOutToProto({ kind: 'phone', id: '6281234500002', name: null, reason: 'OPTED_OUT', audience: 'PHONE', channel: 'SMS' });
    // The bare phone's number travels in `address` (its id stays empty, as a Recipient's), with the channel it opted out of.
    expect(l).toMatchObject({ kind: commonv1.RecipientKind.RECIPIENT_KIND_PHONE, id: '', name: '', address: '6281234500002', channel: commonv1.Channel.CHANNEL_SMS });
    expect(leftOutToProto({ kind: 'customer', id: 'c-1', name: 'Budi', reason: 'OPTED_OUT', audience: 'CUSTOMER' })).toMatchObject({
      id: 'c-1', address: '', channel: commonv1.Channel.CHANNEL_UNSPECIFIED,
    });
  });
});

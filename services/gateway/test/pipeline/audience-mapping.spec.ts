import { ValidationError } from '@notify/errors';
import { commonv1, customerv1 } from '@notify/proto';
import { audienceQueries } from '../../src/infrastructure/clients/grpc-recipient.directory';
import { checkAudiences } from '../../src/transport/grpc/notification-service.handler';

const AK = commonv1.AudienceKind;
const NT = commonv1.NotificationType;
const audience = (a: Partial<commonv1.Audience>) => commonv1.Audience.fromPartial(a);
const requestOf = (q: { request: unknown }) => q.request as customerv1.ResolveRecipientsRequest;

describe('gateway audience mapping', () => {
  it('passes the audiences to ResolveRecipients as they are, in one query, identical ones once', () => {
    const area = audience({ kind: AK.AUDIENCE_KIND_AREA_CUSTOMERS, workZone: 'karawang' });
    const group = audience({ kind: AK.AUDIENCE_KIND_GROUP, groupId: 'g-1' });
    const roles = audience({ kind: AK.AUDIENCE_KIND_STAFF_ROLES, roles: [commonv1.Role.ROLE_SUPERVISOR, commonv1.Role.ROLE_MANAGER] });
    const queries = audienceQueries(NT.NOTIFICATION_TYPE_EMERGENCY_ALERT, [area, group, area, roles], [commonv1.Channel.CHANNEL_SMS], commonv1.Priority.PRIORITY_URGENT, { ticketId: 't-1' });
    expect(queries).toHaveLength(1);
    const req = requestOf(queries[0]!);
    expect(req.notificationType).toBe(NT.NOTIFICATION_TYPE_EMERGENCY_ALERT);
    expect(req.audiences).toEqual([area, group, roles]);
    expect(req.channels).toEqual([commonv1.Channel.CHANNEL_SMS]);
    expect(req.context).toMatchObject({ ticketId: 't-1', priority: commonv1.Priority.PRIORITY_URGENT, workZone: '' });
  });

  it('no audiences → one routing-rule query (the type\'s stored rules decide)', () => {
    const [q] = audienceQueries(NT.NOTIFICATION_TYPE_DAILY_SUMMARY, [], [], commonv1.Priority.PRIORITY_NORMAL);
    expect(requestOf(q!)).toMatchObject({ audiences: [], channels: [] });
  });

  it('checkAudiences names the missing parameter of each kind', () => {
    const fieldOf = (a: Partial<commonv1.Audience>, zone = '') => {
      try {
        checkAudiences([audience({ kind: AK.AUDIENCE_KIND_ALL_STAFF }), audience(a)], (i) => `audiences[${i}]`, { workZone: zone });
      } catch (err) {
        if (err instanceof ValidationError) return err.field;
        throw err;
      }
      return null;
    };
    expect(fieldOf({ kind: AK.AUDIENCE_KIND_GROUP })).toBe('audiences[1].group_id');
    expect(fieldOf({ kind: AK.AUDIENCE_KIND_STAFF_ROLES })).toBe('audiences[1].roles');
    expect(fieldOf({ kind: AK.AUDIENCE_KIND_STAFF_ROLES, roles: [commonv1.Role.ROLE_SERVICE] })).toBe('audiences[1].roles');
    expect(fieldOf({ kind: AK.AUDIENCE_KIND_AREA_CUSTOMERS })).toBe('audiences[1].work_zone');
    expect(fieldOf({ kind: AK.AUDIENCE_KIND_ZONE_TECHNICIANS })).toBe('audiences[1].work_zone');
    expect(fieldOf({ kind: AK.AUDIENCE_KIND_CUSTOMER })).toBe('audiences[1].customer_id');
    expect(fieldOf({ kind: AK.AUDIENCE_KIND_ASSIGNED_TECHNICIAN })).toBe('audiences[1].staff_id');
    expect(fieldOf({ kind: AK.AUDIENCE_KIND_UNSPECIFIED })).toBe('audiences[1].kind');
    // An id that is not a UUID cannot exist (QA: a Broadcast to group "x" ended RESOLVED, reaching nobody).
    expect(fieldOf({ kind: AK.AUDIENCE_KIND_GROUP, groupId: 'x' })).toBe('audiences[1].group_id');
    expect(fieldOf({ kind: AK.AUDIENCE_KIND_CUSTOMER, customerId: 'abc' })).toBe('audiences[1].customer_id');
    expect(fieldOf({ kind: AK.AUDIENCE_KIND_ASSIGNED_TECHNICIAN, staffId: 'tech-1' })).toBe('audiences[1].staff_id');
    expect(fieldOf({ kind: AK.AUDIENCE_KIND_GROUP, groupId: '0B9F7C1E-5B1A-4D4E-9F57-1D2C3B4A5F60' })).toBeNull();
    expect(fieldOf({ kind: AK.AUDIENCE_KIND_PHONE })).toBe('audiences[1].phone');
    expect(fieldOf({ kind: AK.AUDIENCE_KIND_PHONE, phone: 'not a phone' })).toBe('audiences[1].phone');
    expect(fieldOf({ kind: 99 as commonv1.AudienceKind })).toBe('audiences[1].kind');
    // Valid ones pass; a Notify's work_zone stands in for the audience's.
    expect(fieldOf({ kind: AK.AUDIENCE_KIND_AREA_CUSTOMERS }, 'karawang')).toBeNull();
    expect(fieldOf({ kind: AK.AUDIENCE_KIND_GROUP, groupId: '0b9f7c1e-5b1a-4d4e-9f57-1d2c3b4a5f60' })).toBeNull();
    expect(fieldOf({ kind: AK.AUDIENCE_KIND_STAFF_ROLES, roles: [commonv1.Role.ROLE_TECHNICIAN] })).toBeNull();
    expect(fieldOf({ kind: AK.AUDIENCE_KIND_PHONE, phone: '0812 3450 0001' })).toBeNull();
    // A work zone is read as the customer service reads it (any kind): refused here, not in the background.
    expect(fieldOf({ kind: AK.AUDIENCE_KIND_AREA_CUSTOMERS, workZone: 'at lan/tis' })).toBe('audiences[1].work_zone');
    expect(fieldOf({ kind: AK.AUDIENCE_KIND_SUPERVISORS, workZone: '-x' })).toBe('audiences[1].work_zone');
    expect(fieldOf({ kind: AK.AUDIENCE_KIND_AREA_CUSTOMERS, workZone: ' Karawang Timur ' })).toBeNull();
  });

  it('checkAudiences takes the customer, technician and zone from the context (a Notify\'s ticket)', () => {
    const check = (a: Partial<commonv1.Audience>, context: Parameters<typeof checkAudiences>[2]) => () => checkAudiences([audience(a)], () => 'audience', context);
    const ticket = { customerId: '0b9f7c1e-5b1a-4d4e-9f57-1d2c3b4a5f60', technicianId: '1b9f7c1e-5b1a-4d4e-9f57-1d2c3b4a5f60', workZone: 'karawang', ticket: 'PSB-20261212-0001' };
    for (const kind of [AK.AUDIENCE_KIND_CUSTOMER, AK.AUDIENCE_KIND_ASSIGNED_TECHNICIAN, AK.AUDIENCE_KIND_ZONE_TECHNICIANS]) {
      expect(check({ kind }, ticket)).not.toThrow();
      // Before the ticket is looked up: not required yet.
      expect(check({ kind }, { pending: true })).not.toThrow();
    }
    expect(check({ kind: AK.AUDIENCE_KIND_ASSIGNED_TECHNICIAN }, { ...ticket, technicianId: '' }))
      .toThrow('audience.staff_id: AUDIENCE_KIND_ASSIGNED_TECHNICIAN needs a staff id (ticket PSB-20261212-0001 has no technician assigned)');
    expect(check({ kind: AK.AUDIENCE_KIND_CUSTOMER }, {})).toThrow('audience.customer_id: AUDIENCE_KIND_CUSTOMER needs a customer id');
    // An id of its own is still checked.
    expect(check({ kind: AK.AUDIENCE_KIND_CUSTOMER, customerId: 'x' }, ticket)).toThrow(/^audience\.customer_id: /);
  });
});

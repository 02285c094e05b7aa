import { commonv1, gatewayv1 } from '@notify/proto';
import { campaignOutcomeNote } from '../src/commands/jobs';
import { hoursLabel } from '../src/commands/tickets';
import { actorLabel } from '../src/format';

describe('actorLabel', () => {
  const actor = (a: Partial<commonv1.Actor>) => commonv1.Actor.fromPartial(a);

  it('names a staff member or service by name, else by id', () => {
    expect(actorLabel(actor({ kind: commonv1.ActorKind.ACTOR_KIND_STAFF, id: 'tech-1', name: 'Ahmad' }))).toBe('staff:Ahmad');
    expect(actorLabel(actor({ kind: commonv1.ActorKind.ACTOR_KIND_SERVICE, id: 'scheduler' }))).toBe('service:scheduler');
  });

  it('labels a person\'s key bound to no staff member `staff:<role>` as the scheduler records it (SYSTEM, role only) as the ticket service does (STAFF, the role as id)', () => {
    // QA: a campaign read `by system (admin)`, a ticket `by staff:admin`, for the same admin key.
    const campaign = actorLabel(actor({ kind: commonv1.ActorKind.ACTOR_KIND_SYSTEM, role: commonv1.Role.ROLE_ADMIN }));
    const ticket = actorLabel(actor({ kind: commonv1.ActorKind.ACTOR_KIND_STAFF, id: 'admin', role: commonv1.Role.ROLE_ADMIN }));
    expect(campaign).toBe('staff:admin');
    expect(campaign).toBe(ticket);
    expect(actorLabel(actor({ kind: commonv1.ActorKind.ACTOR_KIND_SYSTEM, role: commonv1.Role.ROLE_NOC }))).toBe('staff:noc');
  });

  it('falls back to the role, then the kind alone, never a dangling colon', () => {
    expect(actorLabel(actor({ kind: commonv1.ActorKind.ACTOR_KIND_SYSTEM, role: commonv1.Role.ROLE_SERVICE }))).toBe('service');
    expect(actorLabel(actor({ kind: commonv1.ActorKind.ACTOR_KIND_SYSTEM }))).toBe('system');
    expect(actorLabel(undefined)).toBe('');
  });
});

describe('hoursLabel (durations given in hours)', () => {
  it('minutes under an hour, hours from one hour on', () => {
    expect(hoursLabel(0.25)).toBe('15 min');
    expect(hoursLabel(0.999)).toBe('60 min');
    expect(hoursLabel(1)).toBe('1 h');
    expect(hoursLabel(2.54)).toBe('2.5 h');
    expect(hoursLabel(0)).toBe('0 h');
  });
});

describe('campaignOutcomeNote', () => {
  const S = gatewayv1.NotificationStatus;
  it('a note only for a broadcast resolved to nobody', () => {
    expect(campaignOutcomeNote({ status: S.NOTIFICATION_STATUS_RESOLVED, deliveriesCreated: 0, leftOut: 0 })[0]?.[1]).toMatch(/^reached nobody: .*customers activate/);
    expect(campaignOutcomeNote({ status: S.NOTIFICATION_STATUS_RESOLVED, deliveriesCreated: 3, leftOut: 0 })).toEqual([]);
    expect(campaignOutcomeNote({ status: S.NOTIFICATION_STATUS_RESOLVED, deliveriesCreated: 0, leftOut: 2 })).toEqual([]);
    expect(campaignOutcomeNote({ status: S.NOTIFICATION_STATUS_RESOLVING, deliveriesCreated: 0, leftOut: 0 })).toEqual([]);
  });
});

import { commonv1 } from '@notify/proto';
import { actorLabel } from '../src/format';

describe('actorLabel', () => {
  const actor = (a: Partial<commonv1.Actor>) => commonv1.Actor.fromPartial(a);

  it('names a staff member or service by name, else by id', () => {
    expect(actorLabel(actor({ kind: commonv1.ActorKind.ACTOR_KIND_STAFF, id: 'tech-1', name: 'Ahmad' }))).toBe('staff:Ahmad');
    expect(actorLabel(actor({ kind: commonv1.ActorKind.ACTOR_KIND_SERVICE, id: 'scheduler' }))).toBe('service:scheduler');
  });

  it('falls back to the role, then the kind alone, never a dangling colon', () => {
    expect(actorLabel(actor({ kind: commonv1.ActorKind.ACTOR_KIND_SYSTEM, role: commonv1.Role.ROLE_ADMIN }))).toBe('system (admin)');
    expect(actorLabel(actor({ kind: commonv1.ActorKind.ACTOR_KIND_SYSTEM }))).toBe('system');
    expect(actorLabel(undefined)).toBe('');
  });
});

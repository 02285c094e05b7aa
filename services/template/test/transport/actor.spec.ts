// Who a template version names as its author: a staff member, a person's key by its role (an
// admin key bound to nobody), a service's key by its id, the seed.
import { commonv1 } from '@notify/proto';
import { actorOf, actorToProto } from '../../src/transport/grpc/template.proto-mapper';

describe('the recorded actor of a template version', () => {
  it('records staff by id, a person\'s key without a staff member by role, a service\'s key by key id', () => {
    expect(actorOf({ keyId: 'k1', role: 'technician', staffId: 's-1' })).toBe('staff:s-1');
    expect(actorOf({ keyId: 'k1', role: 'admin' })).toBe('role:admin');
    expect(actorOf({ keyId: 'k2', role: 'service' })).toBe('key:k2');
  });

  it('shows them as STAFF (the role as its id and role), SERVICE, SYSTEM; versions recorded before keep `key:`', () => {
    expect(actorToProto('role:admin')).toEqual({ kind: commonv1.ActorKind.ACTOR_KIND_STAFF, id: 'admin', name: '', role: commonv1.Role.ROLE_ADMIN });
    expect(actorToProto('role:customer_service')).toMatchObject({ id: 'customer_service', role: commonv1.Role.ROLE_CUSTOMER_SERVICE });
    expect(actorToProto('staff:s-1')).toMatchObject({ kind: commonv1.ActorKind.ACTOR_KIND_STAFF, id: 's-1' });
    expect(actorToProto('key:92430b1c8b45')).toMatchObject({ kind: commonv1.ActorKind.ACTOR_KIND_SERVICE, id: '92430b1c8b45' });
    expect(actorToProto('seed')).toMatchObject({ kind: commonv1.ActorKind.ACTOR_KIND_SYSTEM, name: 'seed' });
  });
});

import { commonv1, customerv1 } from '@notify/proto';
import type { Customer, CustomerActor, CustomerEvent, CustomerStatus } from '../../domain';

const STATUS: Record<CustomerStatus, customerv1.CustomerStatus> = {
  PENDING: customerv1.CustomerStatus.CUSTOMER_STATUS_PENDING,
  ACTIVE: customerv1.CustomerStatus.CUSTOMER_STATUS_ACTIVE,
  SUSPENDED: customerv1.CustomerStatus.CUSTOMER_STATUS_SUSPENDED,
};

/** Domain customer status → proto enum. */
export function customerStatusToProto(status: CustomerStatus): customerv1.CustomerStatus {
  return STATUS[status];
}

/** Proto enum → domain status; undefined for UNSPECIFIED / unknown values. */
export function customerStatusFromProto(status: customerv1.CustomerStatus): CustomerStatus | undefined {
  return (Object.keys(STATUS) as CustomerStatus[]).find((k) => STATUS[k] === status);
}

/** Domain customer → `notify.customer.v1.Customer` (activated_at absent while PENDING; suspended_at absent, suspension_reason / suspended_by empty unless SUSPENDED). */
export function customerToProto(c: Customer): customerv1.Customer {
  return {
    id: c.id,
    name: c.name,
    phone: c.phone,
    address: c.address,
    workZone: c.workZone,
    packageName: c.packageName,
    status: customerStatusToProto(c.status),
    wantsInstallation: c.wantsInstallation,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    activatedAt: c.activatedAt ?? undefined,
    suspendedAt: c.suspendedAt ?? undefined,
    suspensionReason: c.suspensionReason,
    suspendedBy: c.suspendedBy ?? '',
  };
}

const ROLE: Record<string, commonv1.Role> = {
  admin: commonv1.Role.ROLE_ADMIN,
  manager: commonv1.Role.ROLE_MANAGER,
  supervisor: commonv1.Role.ROLE_SUPERVISOR,
  noc: commonv1.Role.ROLE_NOC,
  customer_service: commonv1.Role.ROLE_CUSTOMER_SERVICE,
  technician: commonv1.Role.ROLE_TECHNICIAN,
  service: commonv1.Role.ROLE_SERVICE,
};

/** Role name (`admin`, `technician`, …, `service`) → proto Role (UNSPECIFIED when unknown). */
export function roleToProto(role: string): commonv1.Role {
  return ROLE[role] ?? commonv1.Role.ROLE_UNSPECIFIED;
}

/** Proto Role → role name; undefined for UNSPECIFIED / unknown. */
export function roleFromProto(role: commonv1.Role): string | undefined {
  return Object.keys(ROLE).find((k) => ROLE[k] === role);
}

/** Who made a change (staff, or a calling service) → proto Actor. */
export function actorToProto(actor: CustomerActor): commonv1.Actor {
  const service = actor.role === 'service';
  return {
    kind: service ? commonv1.ActorKind.ACTOR_KIND_SERVICE : commonv1.ActorKind.ACTOR_KIND_STAFF,
    id: actor.id,
    name: '',
    role: roleToProto(actor.role),
  };
}

/**
 * Domain `registered` / `activated` event → the `notify.customer.v1.CustomerEvent` payload
 * (type matches the subject; locale LOCALE_ID, the registration default; `previousStatus` the
 * status left: PENDING for a first activation, SUSPENDED for a reactivation, UNSPECIFIED on
 * registration).
 */
export function customerEventToProto(event: CustomerEvent): customerv1.CustomerEvent {
  return {
    eventId: event.eventId,
    occurredAt: event.occurredAt,
    type:
      event.kind === 'registered'
        ? customerv1.CustomerEventType.CUSTOMER_EVENT_TYPE_REGISTERED
        : customerv1.CustomerEventType.CUSTOMER_EVENT_TYPE_ACTIVATED,
    customer: customerToProto(event.customer),
    actor: actorToProto(event.actor),
    locale: commonv1.Locale.LOCALE_ID,
    previousStatus: event.previousStatus ? STATUS[event.previousStatus] : customerv1.CustomerStatus.CUSTOMER_STATUS_UNSPECIFIED,
  };
}

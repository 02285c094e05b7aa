import { FailedPreconditionError, ValidationError } from '@notify/errors';
import { normalizePhone } from './phone';
import { normalizeWorkZone } from './work-zone';

/**
 * Customers of the ISP. A registration creates a PENDING customer (and, when it asks for an
 * installation, the ticket service opens a PSB ticket from the `registered` event —
 * customer-notification-system.md, "PSB Ticket Creation"); activation makes it ACTIVE
 * (whatsapp-notification-system-complete.md, "Welcome Message … after customer activation").
 */
export const CUSTOMER_STATUSES = ['PENDING', 'ACTIVE', 'SUSPENDED'] as const;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];

export interface Customer {
  /** UUID. */
  readonly id: string;
  readonly name: string;
  /** E.164 digits (`6282291921583`), unique among customers. */
  readonly phone: string;
  readonly address: string;
  /** Normalized work-zone key; also the customer's "area" for area broadcasts. */
  readonly workZone: string;
  /** Package name, e.g. `Premium 50Mbps`. */
  readonly packageName: string;
  readonly status: CustomerStatus;
  /** Whether the registration asked for a WiFi installation (PSB ticket). */
  readonly wantsInstallation: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly activatedAt: Date | null;
  /** Optimistic-concurrency version: 1 on registration, +1 per change. */
  readonly version: number;
}

/** Who did it (for events). */
export interface CustomerActor {
  readonly id: string;
  readonly role: string;
}

/** `registered` / `activated`, published on `notify.customer.v1.<kind>` through the outbox. */
export interface CustomerEvent {
  /** UUID; the JetStream message id. */
  readonly eventId: string;
  readonly kind: 'registered' | 'activated';
  readonly occurredAt: Date;
  readonly actor: CustomerActor;
  readonly previousStatus: CustomerStatus | null;
  /** The customer after the change (carries `wantsInstallation`). */
  readonly customer: Customer;
}

export interface NewCustomer {
  readonly id: string;
  readonly name: string;
  readonly phone: string;
  readonly address: string;
  readonly workZone: string;
  readonly packageName: string;
  readonly wantsInstallation: boolean;
}

function text(value: string | undefined | null, field: string, max: number): string {
  const v = (value ?? '').trim();
  if (!v) throw new ValidationError(field, 'is required');
  if (v.length > max) throw new ValidationError(field, `is longer than ${max} characters`);
  return v;
}

/** Like `text` but empty is allowed (trimmed to ''). */
function optionalText(value: string | undefined | null, field: string, max: number): string {
  const v = (value ?? '').trim();
  if (v.length > max) throw new ValidationError(field, `is longer than ${max} characters`);
  return v;
}

/**
 * A new PENDING customer (phone normalized, work zone normalized) and its `registered`
 * event. Throws ValidationError for name, phone, address, work_zone (required) and
 * package_name (optional: empty allowed, at most 100 characters).
 */
export function registerCustomer(
  input: NewCustomer,
  actor: CustomerActor,
  ctx: { at: Date; eventId: string },
): { customer: Customer; event: CustomerEvent } {
  const customer: Customer = {
    id: input.id,
    name: text(input.name, 'name', 200),
    phone: normalizePhone(input.phone),
    address: text(input.address, 'address', 500),
    workZone: normalizeWorkZone(input.workZone),
    packageName: optionalText(input.packageName, 'package_name', 100),
    status: 'PENDING',
    wantsInstallation: input.wantsInstallation === true,
    createdAt: ctx.at,
    updatedAt: ctx.at,
    activatedAt: null,
    version: 1,
  };
  return {
    customer,
    event: { eventId: ctx.eventId, kind: 'registered', occurredAt: ctx.at, actor, previousStatus: null, customer },
  };
}

/**
 * PENDING or SUSPENDED → ACTIVE and its `activated` event (previousStatus = the status left).
 * FailedPreconditionError naming the current status otherwise (an ACTIVE customer is not
 * activated twice).
 */
export function activateCustomer(
  customer: Customer,
  actor: CustomerActor,
  ctx: { at: Date; eventId: string },
): { customer: Customer; event: CustomerEvent } {
  if (customer.status !== 'PENDING' && customer.status !== 'SUSPENDED') {
    throw new FailedPreconditionError(`customer ${customer.id} is ${customer.status}; activate needs PENDING or SUSPENDED`);
  }
  const next: Customer = { ...customer, status: 'ACTIVE', activatedAt: ctx.at, updatedAt: ctx.at, version: customer.version + 1 };
  return {
    customer: next,
    event: { eventId: ctx.eventId, kind: 'activated', occurredAt: ctx.at, actor, previousStatus: customer.status, customer: next },
  };
}

import { FailedPreconditionError, ValidationError } from '@notify/errors';
import { normalizeRecipientPhone } from './phone';
import { normalizeWorkZone } from '@notify/work-zone';

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
  /** When suspended ({@link suspendCustomer}); null unless SUSPENDED. */
  readonly suspendedAt: Date | null;
  /** Why suspended (trimmed, 1..{@link SUSPENSION_REASON_MAX} characters); '' unless SUSPENDED. */
  readonly suspensionReason: string;
  /** Who suspended (a staff id, a key's role, or a service's actor id); null unless SUSPENDED. */
  readonly suspendedBy: string | null;
  /** Optimistic-concurrency version: 1 on registration, +1 per change. */
  readonly version: number;
}

/** Longest suspension reason (characters), as an invoice's status reason. */
export const SUSPENSION_REASON_MAX = 500;

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
    phone: normalizeRecipientPhone(input.phone),
    address: text(input.address, 'address', 500),
    workZone: normalizeWorkZone(input.workZone),
    packageName: optionalText(input.packageName, 'package_name', 100),
    status: 'PENDING',
    wantsInstallation: input.wantsInstallation === true,
    createdAt: ctx.at,
    updatedAt: ctx.at,
    activatedAt: null,
    suspendedAt: null,
    suspensionReason: '',
    suspendedBy: null,
    version: 1,
  };
  return {
    customer,
    event: { eventId: ctx.eventId, kind: 'registered', occurredAt: ctx.at, actor, previousStatus: null, customer },
  };
}

/**
 * PENDING or SUSPENDED → ACTIVE and its `activated` event (previousStatus = the status left); a
 * suspension's time, reason and actor are cleared. FailedPreconditionError naming the current
 * status otherwise (an ACTIVE customer is not activated twice).
 */
export function activateCustomer(
  customer: Customer,
  actor: CustomerActor,
  ctx: { at: Date; eventId: string },
): { customer: Customer; event: CustomerEvent } {
  if (customer.status !== 'PENDING' && customer.status !== 'SUSPENDED') {
    throw new FailedPreconditionError(`customer ${customer.id} is ${customer.status}; activate needs PENDING or SUSPENDED`);
  }
  const next: Customer = {
    ...customer,
    status: 'ACTIVE',
    activatedAt: ctx.at,
    suspendedAt: null,
    suspensionReason: '',
    suspendedBy: null,
    updatedAt: ctx.at,
    version: customer.version + 1,
  };
  return {
    customer: next,
    event: { eventId: ctx.eventId, kind: 'activated', occurredAt: ctx.at, actor, previousStatus: customer.status, customer: next },
  };
}

/** The fields UpdateCustomer may change; absent = keep. Raw input, or normalized by {@link customerChangesOf}. */
export interface CustomerChanges {
  readonly name?: string;
  /** A new phone in any accepted form (normalized); the stored one is kept, never read again, when absent. */
  readonly phone?: string;
  readonly address?: string;
  readonly workZone?: string;
  readonly packageName?: string;
}

/**
 * The given fields of an UpdateCustomer validated and normalized as {@link registerCustomer}
 * validates them: name 1..200 and address 1..500 characters (trimmed, required), the phone as
 * E.164 digits, the work zone as its slug, the package name 0..100 characters (trimmed; '' clears
 * it); absent fields stay absent. ValidationError naming the field (`name`, `phone`, `address`,
 * `work_zone`, `package_name`). Checked before the customer is looked up (a refused request is
 * refused whatever the customer); {@link applyCustomerChanges} then applies the result.
 */
export function customerChangesOf(changes: CustomerChanges): CustomerChanges {
  return {
    ...(changes.name !== undefined ? { name: text(changes.name, 'name', 200) } : {}),
    ...(changes.phone !== undefined ? { phone: normalizeRecipientPhone(changes.phone) } : {}),
    ...(changes.address !== undefined ? { address: text(changes.address, 'address', 500) } : {}),
    ...(changes.workZone !== undefined ? { workZone: normalizeWorkZone(changes.workZone) } : {}),
    ...(changes.packageName !== undefined ? { packageName: optionalText(changes.packageName, 'package_name', 100) } : {}),
  };
}

/**
 * `current` with the normalized `changes` ({@link customerChangesOf}: they are not read again, so
 * a phone is normalized once) applied; the fields not given are kept as stored (a stored phone is
 * never normalized again). `changed` false, and `current` itself, when every given value equals
 * the stored one; otherwise the customer with `updatedAt` = `at` and the next version. Any status.
 */
export function applyCustomerChanges(current: Customer, changes: CustomerChanges, at: Date): { customer: Customer; changed: boolean } {
  const fields = {
    name: changes.name ?? current.name,
    phone: changes.phone ?? current.phone,
    address: changes.address ?? current.address,
    workZone: changes.workZone ?? current.workZone,
    packageName: changes.packageName ?? current.packageName,
  };
  const same = (Object.keys(fields) as (keyof typeof fields)[]).every((k) => fields[k] === current[k]);
  if (same) return { customer: current, changed: false };
  return { customer: { ...current, ...fields, updatedAt: at, version: current.version + 1 }, changed: true };
}

/**
 * The reason of a suspension: trimmed, required, at most {@link SUSPENSION_REASON_MAX}
 * characters. ValidationError(`reason`) otherwise.
 */
export function suspensionReasonOf(reason: string | null | undefined): string {
  return text(reason, 'reason', SUSPENSION_REASON_MAX);
}

/**
 * A suspension ("isolir", e.g. unpaid): ACTIVE → SUSPENDED stamped with `at`, the reason
 * ({@link suspensionReasonOf}) and `by`. A SUSPENDED customer → `changed` false and the customer
 * as stored (the first suspension's time, reason and actor kept: a retry is safe). A PENDING
 * customer (not yet active) → FailedPreconditionError naming the status.
 */
export function suspendCustomer(
  customer: Customer,
  change: { readonly at: Date; readonly reason: string; readonly by: string },
): { customer: Customer; changed: boolean } {
  const reason = suspensionReasonOf(change.reason);
  if (customer.status === 'SUSPENDED') return { customer, changed: false };
  if (customer.status !== 'ACTIVE') {
    throw new FailedPreconditionError(`customer ${customer.id} is ${customer.status}; suspend needs ACTIVE (a PENDING customer is not active yet)`);
  }
  return {
    customer: {
      ...customer,
      status: 'SUSPENDED',
      suspendedAt: change.at,
      suspensionReason: reason,
      suspendedBy: change.by,
      updatedAt: change.at,
      version: customer.version + 1,
    },
    changed: true,
  };
}

/**
 * Caller roles. An API key maps to exactly one role; every RPC names the roles it allows
 * (`bindService(..., { roles })`). The list follows ARCHITECTURE.md "Auth" and the seeds'
 * role table (reference/seeds/whatsapp-notification-system-complete.md); `service` is the
 * role of another Notify service calling in.
 */
export const ROLES = [
  'admin',
  'manager',
  'supervisor',
  'noc',
  'customer_service',
  'technician',
  'service',
] as const;

/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** True when `value` is one of {@link ROLES} (exact, lower case). */
export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

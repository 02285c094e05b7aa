import { ValidationError } from '@notify/errors';

/** A normalized work-zone key: 1..64 of lower-case letters, digits, `-` and `_`, starting with a letter or digit. */
const WORK_ZONE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Trimmed, lower-case, inner whitespace as `-` (`" Karawang Timur "` → `karawang-timur`); not yet checked. */
const canonical = (input: string): string => (input ?? '').trim().toLowerCase().replace(/\s+/g, '-');

/**
 * Canonical work-zone key — the one rule every service reads a work zone by (a customer's or a
 * ticket's zone, a technician's zones, a group's zone, an audience's zone in Notify, Broadcast or
 * a campaign): trimmed, lower-case, inner whitespace as `-` (`" Karawang Timur "` →
 * `karawang-timur`), then 1..64 of letters, digits, `-` and `_`. The seeds use `karawang`,
 * `bekasi`, `cikampek` (whatsapp-notification-recommendation.md, "Master data: WhatsApp groups").
 * @throws ValidationError(field) — gRPC INVALID_ARGUMENT — when empty or containing other characters.
 */
export function normalizeWorkZone(input: string, field = 'work_zone'): string {
  const value = canonical(input);
  if (!value) throw new ValidationError(field, 'is required');
  if (!WORK_ZONE.test(value)) {
    throw new ValidationError(field, `"${input}" is not a work zone key (letters, digits, - and _)`);
  }
  return value;
}

/** True when normalizeWorkZone would accept `input` (an empty zone is not a work zone key). */
export const isWorkZone = (input: string): boolean => WORK_ZONE.test(canonical(input));

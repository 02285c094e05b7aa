import { ValidationError } from '@notify/errors';

const WORK_ZONE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/**
 * Canonical work-zone key: trimmed, lower-case, inner whitespace as `-`
 * (`" Karawang Timur "` → `karawang-timur`). The seeds use `karawang`, `bekasi`, `cikampek`
 * (whatsapp-notification-recommendation.md, "Master data: WhatsApp groups").
 * Throws ValidationError(field) when empty or containing other characters.
 */
export function normalizeWorkZone(input: string, field = 'work_zone'): string {
  const value = (input ?? '').trim().toLowerCase().replace(/\s+/g, '-');
  if (!value) throw new ValidationError(field, 'is required');
  if (!WORK_ZONE.test(value)) {
    throw new ValidationError(field, `"${input}" is not a work zone key (letters, digits, - and _)`);
  }
  return value;
}

import { ValidationError } from '@notify/errors';

/** `karawang barat` → `Karawang Barat`: a work-zone slug as the messages show it. */
export const titleCase = (s: string): string => s.replace(/(^|[\s-])([a-z])/g, (_m, p: string, c: string) => p + c.toUpperCase());

/** A normalized work-zone key (the customer and ticket services' WORK_ZONE). */
const WORK_ZONE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/**
 * Checks a work zone as the customer service reads it (its normalizeWorkZone: trimmed,
 * lower-case, inner whitespace as `-`, then 1..64 of letters, digits, `-` and `_`, starting with
 * a letter or digit), so a Broadcast or Notify whose zone the customer service would refuse is
 * refused at once instead of failing in the background (QA: `at lan/tis`). Returns the
 * normalized key (`" Karawang Timur "` → `karawang-timur`).
 * @throws ValidationError(field) for an empty zone or one with other characters.
 */
export function checkWorkZone(input: string, field = 'work_zone'): string {
  const value = (input ?? '').trim().toLowerCase().replace(/\s+/g, '-');
  if (!value) throw new ValidationError(field, 'is required');
  if (!WORK_ZONE.test(value)) throw new ValidationError(field, `"${input}" is not a work zone key (letters, digits, - and _)`);
  return value;
}

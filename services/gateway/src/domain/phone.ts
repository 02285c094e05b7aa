import { ValidationError } from '@notify/errors';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * E.164 digits without `+` (ARCHITECTURE.md "Phones"): `082291921583`, `+62 822-9192-1583`
 * → `6282291921583`; a number without `+` is read as Indonesian. libphonenumber-js with the
 * full metadata. @throws ValidationError(field) for an empty or invalid number.
 */
export function normalizePhone(input: string, field = 'phone'): string {
  const raw = (input ?? '').trim();
  if (!raw) throw new ValidationError(field, 'is required');
  if (!/^[+\d\s().\-/]+$/.test(raw)) throw new ValidationError(field, `"${raw}" is not a phone number (unexpected characters)`);
  const parsed = parsePhoneNumberFromString(raw, 'ID');
  if (!parsed || !parsed.isValid()) throw new ValidationError(field, `"${raw}" is not a valid phone number`);
  return parsed.number.slice(1);
}

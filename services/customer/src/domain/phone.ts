import { ValidationError } from '@notify/errors';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/**
 * Phone numbers are stored and compared as E.164 digits without the `+`
 * (`6282291921583`), the form Fonnte / Wablas take (ARCHITECTURE.md, "Phones";
 * customer-notification-system.md, "Phone Number Format").
 *
 * Uses libphonenumber-js with the FULL ("max") metadata, so a number is valid only when it
 * matches the region's real numbering plan (the "min" metadata accepts any number of the
 * right length, e.g. a US number typed without +1 as an Indonesian one).
 */

/** Characters a human may type in a phone number besides digits. */
const ALLOWED = /^[+\d\s().\-/]+$/;

/**
 * Normalizes `input` to E.164 digits: `082291921583`, `82291921583`, `+6282291921583`,
 * `+62 822-9192-1583` and `6282291921583` all → `6282291921583`. A number without `+` is
 * read in `defaultRegion` (Indonesia by default); one with `+` in its own country.
 *
 * @param field the proto field name to blame in the error (default `phone`).
 * @throws ValidationError(field) naming the value when it is empty, contains letters or
 *   other characters, or is not a valid number (too short / long, wrong region).
 */
export function normalizePhone(input: string, defaultRegion: CountryCode = 'ID', field = 'phone'): string {
  const raw = (input ?? '').trim();
  if (!raw) throw new ValidationError(field, 'is required');
  if (!ALLOWED.test(raw)) throw new ValidationError(field, `"${raw}" is not a phone number (unexpected characters)`);
  const parsed = parsePhoneNumberFromString(raw, defaultRegion);
  if (!parsed || !parsed.isValid()) {
    throw new ValidationError(field, `"${raw}" is not a valid phone number (default region ${defaultRegion})`);
  }
  return parsed.number.slice(1);
}

/** Like {@link normalizePhone} but null / empty input gives null (optional phone fields). */
export function normalizeOptionalPhone(input: string | null | undefined, defaultRegion: CountryCode = 'ID', field = 'phone'): string | null {
  if (input === null || input === undefined || !input.trim()) return null;
  return normalizePhone(input, defaultRegion, field);
}

/** `6282291921583` → `62822****583`, for logs and error texts (no full numbers in logs). */
export function maskPhone(digits: string): string {
  if (digits.length <= 7) return '*'.repeat(digits.length);
  return `${digits.slice(0, 5)}${'*'.repeat(digits.length - 8)}${digits.slice(-3)}`;
}

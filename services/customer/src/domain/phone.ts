import {
  normalizeMessagingPhone, normalizeOptionalMessagingPhone, normalizePhone as normalize, type PhoneRegion,
} from '@notify/phone';

/**
 * Phone numbers are stored and compared as E.164 digits without the `+`
 * (`6282291921583`, `254798765432`), the form Fonnte / Wablas take (ARCHITECTURE.md, "Phones";
 * customer-notification-system.md, "Phone Number Format"). The reading rule lives in
 * `@notify/phone` (one for every service): a number with `+` is read in its own country; digits
 * without `+` in the default region (Indonesia) first, then as E.164 digits. A stored phone is
 * never normalized again (a foreign number's digits may also read as an Indonesian number).
 */

/**
 * Normalizes `input` to E.164 digits: `082291921583`, `82291921583`, `+6282291921583`,
 * `+62 822-9192-1583` and `6282291921583` all → `6282291921583`; `+254 798 765432` and
 * `254798765432` → `254798765432`. A number without `+` is read in `defaultRegion` (Indonesia by
 * default) and, when it is no valid number there, as E.164 digits; one with `+` in its own
 * country.
 *
 * @param field the proto field name to blame in the error (default `phone`).
 * @throws ValidationError(field) naming the value when it is empty, contains letters or
 *   other characters, or is not a valid number (too short / long, wrong region).
 */
export function normalizePhone(input: string, defaultRegion: PhoneRegion = 'ID', field = 'phone'): string {
  return normalize(input, { defaultRegion, field });
}

/**
 * {@link normalizePhone} for a number messages are sent to (a customer's, a staff member's, a
 * phone audience's): a landline, toll-free or other number no WhatsApp account or SMS reaches is
 * refused too (@notify/phone normalizeMessagingPhone). Look-ups and opt-outs take any valid number.
 * @throws ValidationError(field) as normalizePhone, or naming the number's type.
 */
export function normalizeRecipientPhone(input: string, defaultRegion: PhoneRegion = 'ID', field = 'phone'): string {
  return normalizeMessagingPhone(input, { defaultRegion, field });
}

/** Like {@link normalizeRecipientPhone} but null / empty input gives null (optional phone fields). */
export function normalizeOptionalRecipientPhone(input: string | null | undefined, defaultRegion: PhoneRegion = 'ID', field = 'phone'): string | null {
  return normalizeOptionalMessagingPhone(input, { defaultRegion, field });
}

export { phoneSearch, type PhoneSearch } from '@notify/phone';

/** `6282291921583` → `62822****583`, for logs and error texts (no full numbers in logs). */
export function maskPhone(digits: string): string {
  if (digits.length <= 7) return '*'.repeat(digits.length);
  return `${digits.slice(0, 5)}${'*'.repeat(digits.length - 8)}${digits.slice(-3)}`;
}

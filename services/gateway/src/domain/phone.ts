import { normalizeMessagingPhone, normalizePhone as normalize } from '@notify/phone';

/**
 * E.164 digits without `+` (ARCHITECTURE.md "Phones"), read by `@notify/phone` (the rule every
 * service shares): a number with `+` in its own country (`+254 798 765432` → `254798765432`);
 * digits without `+` in Indonesia first (`082291921583`, `+62 822-9192-1583` → `6282291921583`)
 * and, when no valid Indonesian number, as E.164 digits (`254798765432` → `254798765432`), so a
 * number normalized once reads back as itself. libphonenumber-js with the full metadata.
 * @throws ValidationError(field) for an empty number, one with other characters than digits and
 *   `+ ( ) . - /` and spaces, or one no reading makes valid; the message quotes the value given.
 */
export function normalizePhone(input: string, field = 'phone'): string {
  return normalize(input, { field });
}

/**
 * {@link normalizePhone} for a number a message is sent to (a Notify recipient, a phone
 * audience): a landline, toll-free or other number no WhatsApp account or SMS reaches is refused
 * too (@notify/phone normalizeMessagingPhone).
 * @throws ValidationError(field) as normalizePhone, or naming the number's type.
 */
export function normalizeRecipientPhone(input: string, field = 'phone'): string {
  return normalizeMessagingPhone(input, { field });
}

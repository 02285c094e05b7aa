/**
 * Phone-number handling shared by the simulators. Deliberately simple and permissive in the
 * way the providers are (they accept any syntactically plausible number and only report
 * "not on WhatsApp" later, providers.md §1.5): strip formatting, check 7–15 digits.
 */

/** Removes spaces, dashes, dots and parentheses a person might type. */
export function stripFormatting(raw: string): string {
  return raw.replace(/[\s\-().]/g, '');
}

/**
 * Digits of a phone number with an optional leading `+` removed, or null when what is left is
 * not 7–15 digits (E.164 allows at most 15).
 */
export function plainDigits(raw: string): string | null {
  const s = stripFormatting(raw.trim());
  const digits = s.startsWith('+') ? s.slice(1) : s;
  return /^\d{7,15}$/.test(digits) ? digits : null;
}

/** Replaces one leading `0` with `countryCode` (no-op when `countryCode` is `0` or empty). */
export function applyCountryCode(digits: string, countryCode: string): string {
  if (!countryCode || countryCode === '0') return digits;
  return digits.startsWith('0') ? countryCode + digits.slice(1) : digits;
}

import { ValidationError } from '@notify/errors';
import { getCountryCallingCode, parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';

/**
 * Phone numbers are stored, sent and compared as E.164 digits without the `+`
 * (`6282291921583`, `254798765432`): the form Fonnte / Wablas take and send as `sender`
 * (ARCHITECTURE.md, "Phones"; customer-notification-system.md, "Phone Number Format").
 *
 * How a number is read (one rule for every service):
 * - with a leading `+`: in its own country (`+254 798 765432` → `254798765432`);
 * - digits without `+`: in the default region (Indonesia) first (`082291921583`,
 *   `82291921583` → `6282291921583`), and only when that is no valid number there, as E.164
 *   digits, i.e. as if it had a `+` (`254798765432`, `12025550143`): the form the system stores
 *   and the providers send, so a normalized number reads back as itself;
 * - except digits that begin with the default region's country code (`62…`) and are a valid
 *   number with it: those are E.164 digits already (`6282291921583`, `62896753882`). Read as
 *   national numbers first, about half of the valid Indonesian numbers of that form would
 *   become another valid number (`62896753882`, a 9-digit mobile, as the landline
 *   `+62 628 96753882`); nobody writes a national number as `62…` without its trunk `0`.
 * A foreign number whose digits are also a valid Indonesian number (`819012345678`: Japanese
 * E.164 digits, and the Indonesian mobile 0819…) is read as Indonesian: write it with `+` (a
 * stored phone is used as it is, never normalized again).
 *
 * libphonenumber-js with the FULL ("max") metadata, so a number is valid only when it matches
 * the region's real numbering plan (the "min" metadata accepts any number of the right length).
 */

/** The region a number written without `+` is read in first (ARCHITECTURE.md "Phones"). */
export const DEFAULT_PHONE_REGION: CountryCode = 'ID';

/** A region (ISO 3166-1 alpha-2, libphonenumber-js's CountryCode). */
export type PhoneRegion = CountryCode;

/** Characters a human may type in a phone number besides digits. */
const ALLOWED = /^[+\d\s().\-/]+$/;

/**
 * `input` as E.164 digits without `+`, or null when it is not a valid phone number (empty,
 * letters or other characters, too short / long, no numbering plan reads it). Reading rule:
 * see the file header (`+` → its own country; `62…` valid with the default region's country
 * code → as it is; other digits → `defaultRegion` first, then as E.164 digits).
 */
export function phoneToE164Digits(input: string | null | undefined, defaultRegion: PhoneRegion = DEFAULT_PHONE_REGION): string | null {
  const raw = (input ?? '').trim();
  if (!raw || !ALLOWED.test(raw)) return null;
  if (raw.startsWith('+')) return valid(parsePhoneNumberFromString(raw));
  const international = () => valid(parsePhoneNumberFromString(`+${raw.replace(/\D/g, '')}`));
  if (raw.replace(/\D/g, '').startsWith(getCountryCallingCode(defaultRegion))) {
    const own = international();
    if (own !== null) return own;
  }
  return valid(parsePhoneNumberFromString(raw, defaultRegion)) ?? international();
}

/** The E.164 digits of a parsed number, or null when it is none or not valid. */
function valid(parsed: PhoneNumber | undefined): string | null {
  return parsed?.isValid() ? parsed.number.slice(1) : null;
}

/** Options of {@link normalizePhone}. */
export interface NormalizePhoneOptions {
  /** The request field to blame in the ValidationError (default `phone`). */
  readonly field?: string;
  /** The region digits without `+` are read in first (default {@link DEFAULT_PHONE_REGION}). */
  readonly defaultRegion?: PhoneRegion;
}

/**
 * Normalizes `input` to E.164 digits (reading rule: file header): `082291921583`,
 * `82291921583`, `+62 822-9192-1583`, `6282291921583` → `6282291921583`; `+254 798 765432`,
 * `254798765432` → `254798765432`. Its output reads back as itself, except the digits of a
 * foreign number that are also a valid number of the default region (see the file header): a
 * stored phone is used as it is, not normalized again.
 *
 * @throws ValidationError(field) `is required` when empty; `"<input>" is not a phone number
 *   (unexpected characters)` for letters or other characters; `"<input>" is not a valid phone
 *   number (…)` when no reading gives a valid number (too short / long, wrong region). The
 *   value quoted is what the caller gave (trimmed).
 */
export function normalizePhone(input: string | null | undefined, options: NormalizePhoneOptions = {}): string {
  const field = options.field ?? 'phone';
  const region = options.defaultRegion ?? DEFAULT_PHONE_REGION;
  const raw = (input ?? '').trim();
  if (!raw) throw new ValidationError(field, 'is required');
  if (!ALLOWED.test(raw)) throw new ValidationError(field, `"${raw}" is not a phone number (unexpected characters)`);
  const digits = phoneToE164Digits(raw, region);
  if (digits !== null) return digits;
  const how = raw.startsWith('+') ? 'with its country code' : `in region ${region} or with a country code`;
  throw new ValidationError(field, `"${raw}" is not a valid phone number (read ${how})`);
}

/**
 * Number types no WhatsApp account or SMS reaches (libphonenumber-js `getType()` with the full
 * metadata): a landline (`021 5551234`, Jakarta), toll-free, premium-rate, shared-cost,
 * universal access, voicemail and pager numbers. FIXED_LINE_OR_MOBILE (a region that cannot tell
 * them apart, e.g. the US), MOBILE, VOIP and numbers of no known type are accepted.
 */
const UNREACHABLE_TYPES: Readonly<Record<string, string>> = {
  FIXED_LINE: 'a landline', TOLL_FREE: 'a toll-free number', PREMIUM_RATE: 'a premium-rate number', SHARED_COST: 'a shared-cost number',
  UAN: 'a universal access number', VOICEMAIL: 'a voicemail number', PAGER: 'a pager number',
};

/**
 * {@link normalizePhone} for a number Notify sends WhatsApp or SMS to (a customer's, a staff
 * member's, a Notify recipient's): a valid number of a type no WhatsApp account or SMS reaches
 * (a landline, toll-free…) is refused too (QA: a customer registered with the Jakarta landline
 * `0215551234` was "sent" WhatsApp messages that could never arrive).
 *
 * @throws ValidationError(field) as normalizePhone; and `"<input>" is a landline (+62 21 5551234):
 *   WhatsApp and SMS need a mobile number` for such a type.
 */
export function normalizeMessagingPhone(input: string | null | undefined, options: NormalizePhoneOptions = {}): string {
  const digits = normalizePhone(input, options);
  const parsed = parsePhoneNumberFromString(`+${digits}`);
  const what = UNREACHABLE_TYPES[parsed?.getType() ?? ''];
  if (what) {
    throw new ValidationError(options.field ?? 'phone', `"${(input ?? '').trim()}" is ${what} (${parsed!.formatInternational()}): WhatsApp and SMS need a mobile number`);
  }
  return digits;
}

/** Like {@link normalizeMessagingPhone} but null / undefined / blank input gives null (optional phone fields). */
export function normalizeOptionalMessagingPhone(input: string | null | undefined, options: NormalizePhoneOptions = {}): string | null {
  if (input === null || input === undefined || !input.trim()) return null;
  return normalizeMessagingPhone(input, options);
}

/** Like {@link normalizePhone} but null / undefined / blank input gives null (optional phone fields). */
export function normalizeOptionalPhone(input: string | null | undefined, options: NormalizePhoneOptions = {}): string | null {
  if (input === null || input === undefined || !input.trim()) return null;
  return normalizePhone(input, options);
}

/** What a search text that looks like (part of) a phone number matches in stored E.164 digits. */
export interface PhoneSearch {
  /** Digits to look for in the stored phone. */
  readonly digits: string;
  /** True: the stored phone starts with `digits`; false: contains them anywhere. */
  readonly prefix: boolean;
}

/** A search text that may be (part of) a phone number: digits and phone punctuation, `+` only first. */
const PHONE_QUERY = /^\+?[\d\s().\-/]*\d[\d\s().\-/]*$/;

/**
 * How a search text typed like a phone number, whole or its beginning, matches stored E.164
 * digits; null when the text is not phone-like (has letters, no digit, a `+` not in front):
 * - `+62 822`, `+254 798` → the digits as a prefix (`62822…`, `254798…`);
 * - a leading trunk `0` (`0822`, `0822-9192`, `(021) 555`) → the default region's country
 *   code in its place, as a prefix (`62822…`, `628229192…`, `6221555…`);
 * - other digits (`822`, `62822`, `9192 1583`) → contained anywhere in the number.
 * Partial numbers cannot be validated, so this never throws.
 */
export function phoneSearch(query: string | null | undefined, defaultRegion: PhoneRegion = DEFAULT_PHONE_REGION): PhoneSearch | null {
  const text = (query ?? '').trim();
  if (!PHONE_QUERY.test(text)) return null;
  const digits = text.replace(/\D/g, '');
  if (text.startsWith('+')) return { digits, prefix: true };
  if (digits.startsWith('0')) return { digits: `${getCountryCallingCode(defaultRegion)}${digits.slice(1)}`, prefix: true };
  return { digits, prefix: false };
}

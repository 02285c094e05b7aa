/**
 * SMS encoding and segment count (3GPP TS 23.038 alphabet, TS 23.040 concatenation).
 *
 * - GSM-7 when every character is in the GSM 03.38 default alphabet or its extension table;
 *   extension characters (`^ { } \ [ ~ ] | €` and form feed) are sent as ESC + char and count
 *   2 septets. One segment holds 160 septets; a concatenated message holds 153 per segment
 *   (the user data header takes 7), and an ESC pair is never split across segments.
 * - UCS-2 otherwise, counted in UTF-16 code units (an emoji outside the BMP is a surrogate
 *   pair: 2 units). One segment holds 70 units; concatenated, 67 per segment, and a surrogate
 *   pair is never split across segments (as providers such as Twilio do).
 */
export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsMeasure {
  readonly encoding: SmsEncoding;
  /** Septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2. */
  readonly units: number;
  /** Number of SMS segments the text is sent as; 0 for the empty text. */
  readonly segments: number;
}

export const GSM7_SINGLE_SEGMENT = 160;
export const GSM7_MULTI_SEGMENT = 153;
export const UCS2_SINGLE_SEGMENT = 70;
export const UCS2_MULTI_SEGMENT = 67;

/** GSM 03.38 default alphabet (0x1B, the escape, is left out: it is not a character). */
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** GSM 03.38 extension table, each sent as ESC + char (2 septets). */
const GSM7_EXTENSION = '\f^{}\\[~]|€';

const BASIC = new Set(GSM7_BASIC);
const EXTENSION = new Set(GSM7_EXTENSION);

/** Septets a character takes in GSM-7 (1 or 2), or 0 when it is not in the GSM-7 alphabet. */
export function gsm7Septets(char: string): 0 | 1 | 2 {
  if (BASIC.has(char)) return 1;
  if (EXTENSION.has(char)) return 2;
  return 0;
}

/** Measures `text` as an SMS: encoding, length in the encoding's units, segments. */
export function measureSms(text: string): SmsMeasure {
  const gsm: number[] = [];
  for (const char of text) {
    const septets = gsm7Septets(char);
    if (septets === 0) return measureUcs2(text);
    gsm.push(septets);
  }
  return { encoding: 'GSM-7', ...pack(gsm, GSM7_SINGLE_SEGMENT, GSM7_MULTI_SEGMENT) };
}

function measureUcs2(text: string): SmsMeasure {
  // One entry per code point: 1 unit in the BMP, 2 for a surrogate pair (kept together).
  const units = Array.from(text, (char) => char.length);
  return { encoding: 'UCS-2', ...pack(units, UCS2_SINGLE_SEGMENT, UCS2_MULTI_SEGMENT) };
}

/** Greedy packing of indivisible items (ESC pairs, surrogate pairs) into segments. */
function pack(items: number[], single: number, multi: number): { units: number; segments: number } {
  const units = items.reduce((a, b) => a + b, 0);
  if (units === 0) return { units, segments: 0 };
  if (units <= single) return { units, segments: 1 };
  let segments = 1;
  let used = 0;
  for (const size of items) {
    if (used + size > multi) {
      segments += 1;
      used = 0;
    }
    used += size;
  }
  return { units, segments };
}

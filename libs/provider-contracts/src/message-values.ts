/** The channels a message text is made for (the template service's `Channel`). */
export type MessageChannel = 'WHATSAPP' | 'SMS';

/**
 * How a variable's value is made safe before it lands in a message. The template service
 * applies it to every `{{ … }}` output of a template (liquidjs `outputEscape`), never to the
 * template's own text, so a template's `*bold*` stays bold while a value cannot add formatting
 * or lines; the gateway applies it to the values of the texts it writes itself (the technician
 * reply flow). WhatsApp's markers are WhatsApp's text format (a part of its contract).
 *
 * 1. Line breaks and tabs (CR LF, LF, CR, TAB, VT, FF, NEL U+0085, LINE/PARAGRAPH SEPARATOR
 *    U+2028/U+2029) become one space each (CR LF counts as one): a value is one line, so it
 *    cannot forge a line such as "✅ Status: COMPLETED"; the template owns the layout.
 * 2. Other control characters are removed: C0 (U+0000–U+001F), DEL (U+007F), C1
 *    (U+0080–U+009F), the bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069,
 *    U+200E, U+200F, U+061C), zero-width space U+200B, word joiner U+2060 and the BOM U+FEFF.
 *    Zero-width (non-)joiners U+200C/U+200D and variation selectors stay: emoji sequences
 *    such as 👨‍🔧 and Indic scripts need them.
 * 3. WhatsApp only: the formatting markers `*` (bold), `_` (italic), `~` (strikethrough) and
 *    `` ` `` (monospace) are replaced by look-alike characters that WhatsApp does not treat
 *    as markers: `*` → `∗` (U+2217), `_` → `ˍ` (U+02CD), `~` → `∼` (U+223C),
 *    `` ` `` → `ˋ` (U+02CB). Replacement was chosen over escaping because WhatsApp has no
 *    escape syntax, and over zero-width characters because those are stripped or rendered
 *    differently by clients and break copy-paste. SMS has no formatting, and the look-alikes
 *    are not in the GSM-7 alphabet (they would force UCS-2), so SMS values keep them.
 *    An underscore between two letters or digits (`Network_Outage`, `INV_2026_001`,
 *    `budi_s@mail.id`) stays: WhatsApp takes `_` as a marker only with a space, a punctuation
 *    mark or the text's edge on its outer side, so inside a word it can neither open nor close
 *    italics, and replacing it broke copy-pasting codes and addresses (QA).
 */
export const WHATSAPP_MARKER_LOOKALIKES: Readonly<Record<string, string>> = Object.freeze({
  '*': '\u2217',
  _: '\u02CD',
  '~': '\u223C',
  '`': '\u02CB',
});

const LINE_BREAKS = /\r\n|[\t\n\v\f\r\u0085\u2028\u2029]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u061C\u200B\u200E\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/g;
/** `*`, `~`, `` ` ``, and `_` unless it sits between two letters or digits (see rule 3). */
const WHATSAPP_MARKERS = /[*~`]|(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu;

/** Makes one rendered value safe for `channel` (see the rules above). */
export function escapeValue(text: string, channel: MessageChannel): string {
  const flat = text.replace(LINE_BREAKS, ' ').replace(CONTROL, '');
  return channel === 'WHATSAPP' ? flat.replace(WHATSAPP_MARKERS, (m) => WHATSAPP_MARKER_LOOKALIKES[m]!) : flat;
}

/**
 * Makes a URL safe to print in a message of either channel: line breaks and controls are
 * removed (a URL has no spaces: spaces are percent-encoded), and the WhatsApp markers are
 * percent-encoded (`*` %2A, `_` %5F, `~` %7E, `` ` `` %60), which keeps the link working
 * instead of replacing characters with look-alikes. Used by the `url` filter.
 */
export function escapeUrl(text: string): string {
  return text
    .replace(LINE_BREAKS, '')
    .replace(CONTROL, '')
    .trim()
    .replace(/[\s*_~`]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

const SENTENCE_END = /[.!?:;,]$/;

/**
 * Free text of several lines (a ticket's title and description joined by a line break) as one
 * line that still reads as separate sentences: each line trimmed, empty lines dropped, and
 * joined with `. `, or with a space after a line that already ends in `. ! ? : ; ,`.
 * `"Internet mati total\nSeluruh layanan mati"` → `"Internet mati total. Seluruh layanan mati"`.
 * (escapeValue alone would make it `"Internet mati total Seluruh layanan mati"`.)
 */
export function joinLines(text: string): string {
  const parts = text.split(LINE_BREAKS).map((l) => l.trim()).filter((l) => l !== '');
  let out = '';
  for (const p of parts) out = out === '' ? p : `${out}${SENTENCE_END.test(out) ? ' ' : '. '}${p}`;
  return out;
}

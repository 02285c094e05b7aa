import { Drop, Liquid } from 'liquidjs';
import { Channel, Locale } from '../../domain/template-ref';
import { escapeUrl, escapeValue } from '../../domain/value-escaping';
import {
  MESSAGE_TIME_ZONE,
  asSentence,
  firstName,
  formatDate,
  formatDateTime,
  formatDuration,
  formatNumber,
  formatPhone,
  formatRupiah,
  formatTime,
} from '../../domain/message-formatting';
import { BODY_MAX_LENGTH } from '../../domain/template-version';

/**
 * Stands in for a missing variable while the renderer collects every missing name (see
 * TemplateRenderer): any property of it is again MissingValue, it prints as nothing, it is
 * falsy, and the message filters pass it through instead of failing on it.
 */
export class MissingValue extends Drop {
  override liquidMethodMissing(): MissingValue {
    return this;
  }
  override valueOf(): string {
    return '';
  }
}

/**
 * The filters templates may use beyond liquidjs' standard ones (table in TEMPLATES.md):
 * `datetime` (22 November 2026 09:15 WIB), `date_long` (22 November 2026), `time`
 * (09:15 WIB), all in Asia/Jakarta with the locale's month names; `rupiah` (whole rupiah:
 * id `Rp 150.000`, en `Rp 150,000`); `number` (id `1.250`, en `1,250`); `duration` (minutes:
 * id `2 jam 30 menit`, en `2 hours 30 minutes`); `first_name`; `phone` (E.164 digits →
 * `+62…`); `sentence` (ends free text with a full stop); `url` (percent-encodes spaces and the
 * WhatsApp markers, exempt from value escaping). A value a filter cannot read raises
 * FormatError, reported as ValidationError with its position by the renderer.
 */
export const MESSAGE_FILTERS = [
  'datetime',
  'date_long',
  'time',
  'rupiah',
  'number',
  'duration',
  'first_name',
  'phone',
  'sentence',
  'url',
] as const;

/** Tags that read files (partials, layouts): removed, so a template cannot reach the disk. */
const FILE_TAGS = ['include', 'render', 'layout', 'block'] as const;

/** Per render: at most this many milliseconds and this many characters allocated (liquidjs limits). */
export const RENDER_LIMIT_MS = 1_000;
export const RENDER_MEMORY_LIMIT = 2_000_000;

/**
 * Creates the liquidjs engine for one (channel, locale): strict variables and filters,
 * `lenientIf` (a variable tested only in `{% if %}`/`{% unless %}` or given a first
 * `default` filter may be absent, which is how a template marks a variable optional),
 * JavaScript truthiness (`""`, `0`, `null` are false, so an empty optional value hides its
 * line), the channel's value escaping on every `{{ }}` output, the locale's filters, no
 * file access.
 */
export function createLiquidEngine(channel: Channel, locale: Locale): Liquid {
  const liquid = new Liquid({
    strictVariables: true,
    strictFilters: true,
    lenientIf: true,
    jsTruthy: true,
    ownPropertyOnly: true,
    outputEscape: (value: unknown) => escapeValue(stringify(value), channel),
    timezoneOffset: MESSAGE_TIME_ZONE,
    parseLimit: BODY_MAX_LENGTH * 4,
    renderLimit: RENDER_LIMIT_MS,
    memoryLimit: RENDER_MEMORY_LIMIT,
    relativeReference: false,
    fs: NO_FILES,
  });
  for (const tag of FILE_TAGS) delete liquid.tags[tag];

  const message = (format: (value: unknown) => string) =>
    function (value: unknown): unknown {
      return value instanceof MissingValue ? value : format(value);
    };
  liquid.registerFilter('datetime', message((v) => formatDateTime(v, locale)));
  liquid.registerFilter('date_long', message((v) => formatDate(v, locale)));
  liquid.registerFilter('time', message((v) => formatTime(v, locale)));
  liquid.registerFilter('rupiah', message((v) => formatRupiah(v, locale)));
  liquid.registerFilter('number', message((v) => formatNumber(v, locale)));
  liquid.registerFilter('duration', message((v) => formatDuration(v, locale)));
  liquid.registerFilter('first_name', message(firstName));
  liquid.registerFilter('phone', message(formatPhone));
  liquid.registerFilter('sentence', message(asSentence));
  liquid.registerFilter('url', { handler: message((v) => escapeUrl(stringify(v))), raw: true });
  return liquid;
}

/** How an output value becomes text (as liquidjs prints it: arrays joined, null empty). */
export function stringify(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Drop) return stringify(value.valueOf());
  if (Array.isArray(value)) return value.map(stringify).join('');
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

function noFile(): never {
  throw new Error('templates cannot read files');
}
const NO_FILES = {
  exists: async () => false,
  existsSync: () => false,
  readFile: async () => noFile(),
  readFileSync: () => noFile(),
  resolve: () => noFile(),
};

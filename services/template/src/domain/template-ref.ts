import { ValidationError } from '@notify/errors';

/**
 * Identity of a template: (key, channel, locale). Every version of a template shares it.
 *
 * Keys are stable, documented names (services/template/TEMPLATES.md), for example
 * `ticket.created.disturbance` or `technician.job_offer`; the same key exists on both
 * channels where a message has a WhatsApp and an SMS form, so a WhatsApp → SMS fallback only
 * changes the channel.
 */
export const CHANNELS = ['WHATSAPP', 'SMS'] as const;
export type Channel = (typeof CHANNELS)[number];

/** `id` (Bahasa Indonesia) is the default; `en` is English. */
export const LOCALES = ['id', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'id';

export interface TemplateRef {
  readonly key: string;
  readonly channel: Channel;
  readonly locale: Locale;
}

/** Lower-case dot-separated segments, each `[a-z][a-z0-9_]*`: `ticket.created.disturbance`. */
export const TEMPLATE_KEY_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;
export const TEMPLATE_KEY_MAX_LENGTH = 100;

/**
 * Checks a template key. Throws ValidationError(field) when it is empty, longer than
 * TEMPLATE_KEY_MAX_LENGTH characters or not dot-separated lower-case segments.
 */
export function parseTemplateKey(value: string, field = 'key'): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError(field, 'is required');
  }
  if (value.length > TEMPLATE_KEY_MAX_LENGTH) {
    throw new ValidationError(field, `must be at most ${TEMPLATE_KEY_MAX_LENGTH} characters`);
  }
  if (!TEMPLATE_KEY_PATTERN.test(value)) {
    throw new ValidationError(
      field,
      `"${value}" is not a template key: use lower-case dot-separated segments like "ticket.created.disturbance"`,
    );
  }
  return value;
}

/** `WHATSAPP` or `SMS` (case-insensitive). Throws ValidationError(field) otherwise. */
export function parseChannel(value: string, field = 'channel'): Channel {
  const upper = typeof value === 'string' ? value.toUpperCase() : '';
  if ((CHANNELS as readonly string[]).includes(upper)) return upper as Channel;
  throw new ValidationError(field, `must be one of ${CHANNELS.join(', ')}, got "${String(value)}"`);
}

/**
 * `id` or `en` (case-insensitive); an empty or absent value means DEFAULT_LOCALE (`id`), which
 * is what an unset proto string field carries. Throws ValidationError(field) otherwise.
 */
export function parseLocale(value: string | undefined, field = 'locale'): Locale {
  if (value === undefined || value === '') return DEFAULT_LOCALE;
  const lower = typeof value === 'string' ? value.toLowerCase() : '';
  if ((LOCALES as readonly string[]).includes(lower)) return lower as Locale;
  throw new ValidationError(field, `must be one of ${LOCALES.join(', ')}, got "${String(value)}"`);
}

/** Validates and normalises the three parts of a template identity. */
export function parseTemplateRef(input: { key: string; channel: string; locale?: string }): TemplateRef {
  return {
    key: parseTemplateKey(input.key),
    channel: parseChannel(input.channel),
    locale: parseLocale(input.locale),
  };
}

/** `key/CHANNEL/locale`, used in error messages and as a map key. */
export function templateRefToString(ref: TemplateRef): string {
  return `${ref.key}/${ref.channel}/${ref.locale}`;
}

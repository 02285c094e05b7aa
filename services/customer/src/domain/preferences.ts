import { ValidationError } from '@notify/errors';
import { BUSINESS_TIME_ZONE, isValidTimeZone } from './calendar.util';
import { CHANNELS, type Channel } from './channel';
import type { CustomerActor } from './customer.aggregate';
import { validateNotificationType } from './notification-type';

/**
 * Notification preferences of a customer, staff member or group
 * (whatsapp-notification-recommendation.md, "User Preferences (Granular Control)":
 * channel on/off, notification types, quiet hours "From 22:00 To 06:00").
 * Quiet hours are passed through to the gateway, which defers (never drops) messages in the
 * window; urgent priority bypasses them (ARCHITECTURE.md).
 */
export const SUBJECT_KINDS = ['customer', 'staff', 'group'] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

export const LOCALES = ['id', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

export interface SubjectRef {
  readonly kind: SubjectKind;
  readonly id: string;
}

/** Local wall-clock window `HH:MM`–`HH:MM`; may wrap midnight (22:00–06:00). */
export interface QuietHours {
  readonly start: string;
  readonly end: string;
}

export interface NotificationPreferences {
  readonly subject: SubjectRef;
  /** Channel switches; a disabled channel is skipped (CHANNEL_DISABLED). */
  readonly channels: Readonly<Record<Channel, boolean>>;
  /** Notification types this subject opted out of (NOTIFICATION_TYPE_OPTED_OUT). */
  readonly optedOutTypes: readonly string[];
  /** Null = no quiet hours. */
  readonly quietHours: QuietHours | null;
  /** IANA zone the quiet hours are in; default Asia/Jakarta. */
  readonly timeZone: string;
  readonly locale: Locale;
  readonly updatedAt: Date | null;
}

/**
 * `preferences_updated`, published on `notify.customer.v1.preferences_updated` through the
 * outbox in the transaction that saved the preferences: the whole preferences after the
 * change (the gateway applies their quiet hours and channels to the subject's messages still
 * waiting).
 */
export interface PreferencesEvent {
  /** UUID; the JetStream message id. */
  readonly eventId: string;
  readonly kind: 'preferences_updated';
  readonly occurredAt: Date;
  readonly actor: CustomerActor;
  readonly preferences: NotificationPreferences;
}

/** What a resolution judges a recipient by (the preferences without their owner and time). */
export type PreferenceValues = Pick<NotificationPreferences, 'channels' | 'optedOutTypes' | 'quietHours' | 'timeZone' | 'locale'>;

/**
 * The values of preferences never set: every channel on, no opt-outs, no quiet hours, `id`,
 * Asia/Jakarta. Also what a bare phone (AUDIENCE_KIND_PHONE) is judged by: it has no owner to
 * hold preferences.
 */
export const DEFAULT_PREFERENCE_VALUES: PreferenceValues = Object.freeze({
  channels: Object.freeze({ WHATSAPP: true, SMS: true }),
  optedOutTypes: Object.freeze([]) as readonly string[],
  quietHours: null,
  timeZone: BUSINESS_TIME_ZONE,
  locale: 'id',
});

/** The preferences of a subject that never set any ({@link DEFAULT_PREFERENCE_VALUES}). */
export function defaultPreferences(subject: SubjectRef): NotificationPreferences {
  return { subject, ...DEFAULT_PREFERENCE_VALUES, channels: { ...DEFAULT_PREFERENCE_VALUES.channels }, optedOutTypes: [], updatedAt: null };
}

/** A partial update; absent fields keep their value. `quietHours: null` clears them. */
export interface PreferencesPatch {
  readonly channels?: Partial<Record<Channel, boolean>>;
  readonly optedOutTypes?: readonly string[];
  readonly quietHours?: QuietHours | null;
  readonly timeZone?: string;
  readonly locale?: Locale;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * Applies `patch` to `current`, validating: channel names and at least one channel left on
 * (`channels`), notification types
 * (`opted_out_types`), quiet hours `HH:MM` with start ≠ end (`quiet_hours.start` / `.end`),
 * IANA time zone (`time_zone`), locale `id` | `en` (`locale`).
 */
export function applyPreferencesPatch(current: NotificationPreferences, patch: PreferencesPatch, at: Date): NotificationPreferences {
  const channels = { ...current.channels };
  for (const [name, on] of Object.entries(patch.channels ?? {})) {
    if (!(CHANNELS as readonly string[]).includes(name)) throw new ValidationError('channels', `unknown channel "${name}"`);
    if (typeof on !== 'boolean') throw new ValidationError('channels', `${name} must be true or false`);
    channels[name as Channel] = on;
  }
  // Every channel off is refused, not stored: it silently cut the person off (the gateway withdrew
  // what waited for them, their next notifications left them out as CHANNEL_DISABLED). Stopping
  // messages is an opt-out (of a channel, by phone) or a list of types in opted_out_types.
  if (patch.channels !== undefined && !CHANNELS.some((c) => channels[c])) {
    throw new ValidationError('channels', 'give at least one channel (to stop messages, opt out: OptOut, or list the types in opted_out_types)');
  }
  let quietHours = current.quietHours;
  if (patch.quietHours !== undefined) {
    if (patch.quietHours === null) quietHours = null;
    else {
      const { start, end } = patch.quietHours;
      if (!HHMM.test(start ?? '')) throw new ValidationError('quiet_hours.start', `"${start}" is not HH:MM (00:00–23:59)`);
      if (!HHMM.test(end ?? '')) throw new ValidationError('quiet_hours.end', `"${end}" is not HH:MM (00:00–23:59)`);
      if (start === end) throw new ValidationError('quiet_hours.end', 'must differ from the start');
      quietHours = { start, end };
    }
  }
  const timeZone = patch.timeZone !== undefined ? patch.timeZone.trim() : current.timeZone;
  if (!isValidTimeZone(timeZone)) throw new ValidationError('time_zone', `"${patch.timeZone}" is not an IANA time zone`);
  const locale = patch.locale ?? current.locale;
  if (!(LOCALES as readonly string[]).includes(locale)) throw new ValidationError('locale', `must be id or en, got "${locale}"`);
  const optedOutTypes =
    patch.optedOutTypes !== undefined
      ? [...new Set(patch.optedOutTypes.map((t) => validateNotificationType(t, 'opted_out_types')))].sort()
      : current.optedOutTypes;
  return { subject: current.subject, channels, optedOutTypes, quietHours, timeZone, locale, updatedAt: at };
}

/** `customer:<id>` / `staff:<id>` / `group:<id>`: the map key for batches of preferences. */
export function subjectKey(subject: SubjectRef): string {
  return `${subject.kind}:${subject.id}`;
}

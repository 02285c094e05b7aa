import { callUnary } from '@notify/grpc-kit';
import { commonv1, customerv1 } from '@notify/proto';
import { UsageError, parseEnum, parseFutureTime, parseTimeSpan, type OptionSpec, type ParsedArgs } from '../args';
import type { Clients } from '../clients';
import type { CommandSpec } from '../command';
import { channelLabel, formatTime, notificationTypeLabel, parseChannel } from '../format';
import { formatRecord } from '../table';
import { idOrPhone, personIdOf } from './id-or-phone';
import { invoiceRecord, parseRupiahAmount } from './invoices';

/** `21:00-07:00` → minutes after midnight; UsageError naming `--quiet` otherwise. */
export function parseQuietHours(text: string): { startMinute: number; endMinute: number } {
  const m = /^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/.exec(text);
  const minute = (h: string, mm: string) => (Number(h) < 24 && Number(mm) < 60 ? Number(h) * 60 + Number(mm) : NaN);
  const start = m ? minute(m[1]!, m[2]!) : NaN;
  const end = m ? minute(m[3]!, m[4]!) : NaN;
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new UsageError(`--quiet: "${text}" must be HH:MM-HH:MM (e.g. 21:00-07:00) or none`);
  if (start === end) throw new UsageError(`--quiet: "${text}" is an empty window (start = end)`);
  return { startMinute: start, endMinute: end };
}

const hhmm = (minute: number): string => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** Preferences as a `Label: value` record; `(defaults)` when nothing is stored. */
export function preferencesRecord(p: customerv1.Preferences | undefined): string {
  if (!p) return '';
  const q = p.quietHours;
  return formatRecord([
    ['Channels', p.channels.length ? p.channels.map(channelLabel).join(', ') : 'none'],
    ['Opted out of', p.optedOutTypes.length ? p.optedOutTypes.map(notificationTypeLabel).join(', ') : '-'],
    ['Quiet hours', q ? `${hhmm(q.startMinute)}-${hhmm(q.endMinute)} ${q.timeZone || 'Asia/Jakarta'} (URGENT messages still go)` : 'none'],
    // Only the ticket SMS texts have English versions (the seeds' English SMS examples); the rest is Indonesian (QA).
    ['Locale', p.locale === commonv1.Locale.LOCALE_EN ? 'EN (English where a text has an English version: the ticket SMS; WhatsApp texts are Indonesian)' : 'ID'],
    ['Updated', p.updatedAt ? formatTime(p.updatedAt) : '(defaults: nothing stored)'],
  ]);
}

const PREFERENCE_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  channels: { type: 'string', valueName: 'list', description: 'channels accepted, at least one, e.g. whatsapp,sms; which one a message goes by is the routing rule\'s order (to stop messages: opt-out, or --no-type)' },
  quiet: { type: 'string', valueName: 'HH:MM-HH:MM|none', description: 'quiet hours: non-urgent messages wait for the window\'s end, e.g. 21:00-07:00' },
  tz: { type: 'string', valueName: 'zone', description: 'the quiet hours\' time zone (default Asia/Jakarta), e.g. Asia/Makassar; alone: the stored window in that zone' },
  'no-type': { type: 'string', multiple: true, valueName: 'type', description: 'opt out of a notification type, e.g. promotion (repeatable; replaces the list; "none" clears it)' },
  locale: { type: 'string', valueName: 'id|en', description: 'message language (en: the ticket SMS in English; WhatsApp texts stay Indonesian)' },
};

/** The UpdatePreferences request the flags ask for; undefined when no flag is given (show only). */
function preferencesUpdate(
  args: ParsedArgs,
  subject: { recipientKind: commonv1.RecipientKind; recipientId: string },
  current: customerv1.Preferences | undefined,
): customerv1.UpdatePreferencesRequest | undefined {
  const mask: string[] = [];
  const p = customerv1.Preferences.fromPartial(subject);
  const channels = args.string('channels');
  if (channels !== undefined) {
    mask.push('channels');
    // No channels is refused by the service (it silently cut the person off): said here, before any call.
    if (channels.trim() === 'none' || args.list('channels').length === 0) {
      throw new UsageError('--channels: give at least one channel (whatsapp, sms); to stop messages, opt the phone out (customers opt-out --phone …) or list the types with --no-type');
    }
    p.channels = args.list('channels').map((c) => parseChannel('channels', c));
  }
  const quiet = args.string('quiet');
  const tz = args.string('tz');
  if (tz !== undefined && quiet?.trim() === 'none') throw new UsageError('--tz goes with quiet hours, not with --quiet none');
  if (quiet !== undefined || tz !== undefined) {
    mask.push('quiet_hours');
    // --tz alone: the stored window in that time zone (current.quietHours, read first).
    const window: { startMinute: number; endMinute: number } | undefined =
      quiet !== undefined ? (quiet.trim() === 'none' ? undefined : parseQuietHours(quiet)) : current?.quietHours;
    if (quiet === undefined && !window) throw new UsageError('--tz: there are no quiet hours to move; give --quiet HH:MM-HH:MM too');
    p.quietHours = window && { startMinute: window.startMinute, endMinute: window.endMinute, timeZone: tz ?? '' };
  }
  const types = args.list('no-type');
  if (types.length > 0) {
    mask.push('opted_out_types');
    p.optedOutTypes = types.length === 1 && types[0] === 'none' ? [] : types.map((t) => parseEnum(commonv1.NotificationType, 'NOTIFICATION_TYPE_', 'no-type', t));
  }
  const locale = args.string('locale');
  if (locale !== undefined) {
    mask.push('locale');
    p.locale = parseEnum(commonv1.Locale, 'LOCALE_', 'locale', locale);
  }
  return mask.length ? { preferences: p, updateMask: mask } : undefined;
}

/** Runs `preferences` for a customer or a staff member given by id or phone. */
async function runPreferences(kind: 'customer' | 'staff', args: ParsedArgs, clients: Clients) {
  const id = await personIdOf(clients, kind, args.positional(0));
  const subject = { recipientKind: kind === 'customer' ? commonv1.RecipientKind.RECIPIENT_KIND_CUSTOMER : commonv1.RecipientKind.RECIPIENT_KIND_STAFF, recipientId: id };
  // --tz alone changes the time zone of the stored quiet hours: they are read first.
  const current = args.string('tz') !== undefined && args.string('quiet') === undefined
    ? (await callUnary(clients.customer, 'getPreferences', subject)).preferences
    : undefined;
  const update = preferencesUpdate(args, subject, current);
  const res = update
    ? await callUnary(clients.customer, 'updatePreferences', update)
    : await callUnary(clients.customer, 'getPreferences', subject);
  return { json: customerv1.GetPreferencesResponse.toJSON(res), text: preferencesRecord(res.preferences) };
}

/** `notifyctl customers|staff preferences <id-or-phone> [flags]`: show, or change the given fields. */
function preferencesCommand(kind: 'customer' | 'staff', who: string, example: string): CommandSpec {
  return {
    name: 'preferences',
    summary: `show a ${who}'s notification preferences, or change them (channels, quiet hours, types opted out of, locale)`,
    service: 'customer',
    positionals: [{ name: 'id-or-phone', description: `${kind} id (UUID) or phone number` }],
    options: PREFERENCE_OPTIONS,
    examples: [example],
    run: ({ args, clients }) => runPreferences(kind, args, clients),
  };
}

/** A time's date in WIB (UTC+7, no daylight saving): `2026-11-22`. */
const wibDate = (d: Date): string => new Date(d.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);

/**
 * `customers invoice --due`: a date `YYYY-MM-DD` as given (the service checks it), or a span from
 * now (`+30d`, `in 2w`) as that day's WIB date. A plain span (`30d`, which the `--since` flags read
 * as ago) is a UsageError saying how to write it from now (parseFutureTime).
 */
export function parseDueDate(value: string, now: Date): string {
  const v = value.trim();
  return parseTimeSpan(v) ? wibDate(parseFutureTime('due', v, now)) : v;
}

export const customerPreferences = preferencesCommand('customer', 'customer', 'notifyctl customers preferences 0812-3456-7890 --quiet 21:00-07:00 --no-type promotion');
export const staffPreferences = preferencesCommand('staff', 'staff member', 'notifyctl staff preferences 0813-1111-2222 --quiet 22:00-05:00 --no-type daily_summary');

/** `notifyctl customers invoice <id-or-phone> --amount … --due …`: an invoice for the payment reminders. */
export const createInvoice: CommandSpec = {
  name: 'invoice',
  summary: 'record an invoice for a customer (the payment_reminder job reminds them 7, 3 and 1 days before it is due, until it is marked paid or cancelled)',
  service: 'customer',
  positionals: [{ name: 'id-or-phone', description: 'customer id (UUID) or phone number' }],
  options: {
    amount: { type: 'string', required: true, valueName: 'rupiah', description: 'amount in whole rupiah: 150000, 150.000, 150,000 or Rp 150.000 (no fractions)' },
    due: { type: 'string', required: true, valueName: 'date', description: 'due date (WIB): YYYY-MM-DD, or a span from now like +30d' },
    number: { type: 'string', valueName: 'text', description: 'invoice number (default: generated INV-YYYYMM-NNNN)' },
    description: { type: 'string', valueName: 'text', description: 'period or description, e.g. "Desember 2026"' },
    'request-id': { type: 'string', valueName: 'key', description: 'idempotency key: a retry with the same key returns the first invoice' },
  },
  async run({ args, clients, now }) {
    // Whole rupiah only: a separator is never dropped from a fraction (QA: 150000.50 became Rp 15.000.050).
    const amount = parseRupiahAmount(args.required('amount'));
    const dueDate = parseDueDate(args.required('due'), now);
    // After the flags are checked (a usage error calls nothing): the customer, by id or phone,
    // for its id and for its name in the record (QA: `Customer: <uuid>` alone).
    const customer = (await callUnary(clients.customer, 'getCustomer', idOrPhone(args.positional(0)))).customer!;
    const res = await callUnary(clients.customer, 'createInvoice', {
      customerId: customer.id,
      number: args.string('number') ?? '',
      amountRupiah: amount,
      dueDate,
      description: args.string('description') ?? '',
      requestId: args.string('request-id') ?? '',
    });
    const i = res.invoice;
    const today = wibDate(now);
    const past = i && i.dueDate < today ? `note: ${i.dueDate} is past (today ${today} WIB): the payment_reminder job reminds 7, 3 and 1 days before the due date, so none will go out for it` : undefined;
    const replayed = res.replayed && i ? `note: --request-id ${args.string('request-id')} was used before: this is the invoice it created (${i.number}); nothing new was stored` : undefined;
    const note = [replayed, past].filter(Boolean).join('\n') || undefined;
    return { json: customerv1.CreateInvoiceResponse.toJSON(res), text: invoiceRecord(i, customer.name), ...(note ? { note } : {}) };
  },
};

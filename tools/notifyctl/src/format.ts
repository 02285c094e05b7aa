import { commonv1 } from '@notify/proto';
import { enumLabel, parseEnum, parseIntFlag, type OptionSpec, type ParsedArgs } from './args';

/**
 * Small formatting and request-building helpers shared by the command groups.
 * Times are shown in Asia/Jakarta (WIB), the operators' zone (seeds: all times WIB).
 */

const WIB = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Jakarta',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

const WIB_CLOCK = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Jakarta', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

/** `09:15:07` (WIB): the time of day of a streamed event; empty for an unset timestamp. */
export function formatClock(d: Date | undefined): string {
  return d ? WIB_CLOCK.format(d) : '';
}

/** `2026-11-22 09:15 WIB`; empty for an unset timestamp. */
export function formatTime(d: Date | undefined): string {
  if (!d) return '';
  const parts = Object.fromEntries(WIB.formatToParts(d).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} WIB`;
}

/** `Rp 150.000` for whole rupiah given as a decimal string (int64 as string); empty for "" or "0". */
export function formatRupiah(amount: string): string {
  if (amount === '' || amount === '0') return '';
  const negative = amount.startsWith('-');
  const digits = negative ? amount.slice(1) : amount;
  return `${negative ? '-' : ''}Rp ${digits.replace(/\B(?=(\d{3})+(?!\d))/g, '.')}`;
}

/** A number with at most `digits` decimals, trailing zeros dropped (`97.5`). */
export function formatNumber(n: number, digits = 1): string {
  return String(Number(n.toFixed(digits)));
}

/** `Priority` short name (`HIGH`). */
export const priorityLabel = (p: commonv1.Priority): string => enumLabel(commonv1.Priority, 'PRIORITY_', p);
/** `Channel` short name (`WHATSAPP`). */
export const channelLabel = (c: commonv1.Channel): string => enumLabel(commonv1.Channel, 'CHANNEL_', c);
/** `Role` short name (`TECHNICIAN`). */
export const roleLabel = (r: commonv1.Role): string => enumLabel(commonv1.Role, 'ROLE_', r);
/** `Locale` short name (`ID`). */
export const localeLabel = (l: commonv1.Locale): string => enumLabel(commonv1.Locale, 'LOCALE_', l);
/** `NotificationType` short name (`TICKET_CREATED`). */
export const notificationTypeLabel = (t: commonv1.NotificationType): string => enumLabel(commonv1.NotificationType, 'NOTIFICATION_TYPE_', t);
/** The roles of people's API keys (all but ROLE_SERVICE and UNSPECIFIED). */
const PERSON_ROLES: ReadonlySet<commonv1.Role> = new Set([
  commonv1.Role.ROLE_ADMIN,
  commonv1.Role.ROLE_MANAGER,
  commonv1.Role.ROLE_SUPERVISOR,
  commonv1.Role.ROLE_NOC,
  commonv1.Role.ROLE_CUSTOMER_SERVICE,
  commonv1.Role.ROLE_TECHNICIAN,
]);

/**
 * An actor as `staff:<name or id>` / `service:<id>`. A person's API key bound to no staff member
 * (an admin key) is `staff:<role>` (`staff:admin`) whichever way the service recorded it: the
 * services record it as STAFF with the role as its id; campaigns scheduled before the scheduler
 * did so carry SYSTEM with only the role (QA: they read `by system (admin)`, tickets
 * `by staff:admin` for the same key). Otherwise, with neither name
 * nor id: `service` for a service's key, else the kind with its role (`system (<role>)`) or
 * the kind alone.
 */
export function actorLabel(a: commonv1.Actor | undefined): string {
  if (!a) return '';
  const kind = enumLabel(commonv1.ActorKind, 'ACTOR_KIND_', a.kind).toLowerCase();
  const who = a.name || a.id;
  if (who) return `${kind}:${who}`;
  const role = a.role ? roleLabel(a.role).toLowerCase() : '';
  if (a.role === commonv1.Role.ROLE_SERVICE) return 'service';
  if (PERSON_ROLES.has(a.role)) return `staff:${role}`;
  return role ? `${kind} (${role})` : kind;
}

/** `--page-size` / `--page-token` flags of list commands. */
export const PAGE_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  limit: { type: 'string', valueName: 'n', description: 'page size (server default 50, at most 500)' },
  'page-token': { type: 'string', valueName: 'token', description: 'continue from the token a previous page printed' },
};

/** The PageRequest of `--limit` / `--page-token` (0 / "" = server defaults). */
export function pageRequest(args: ParsedArgs): commonv1.PageRequest {
  const limit = args.string('limit');
  return { pageSize: limit === undefined ? 0 : parseIntFlag('limit', limit, 1, 500), pageToken: args.string('page-token') ?? '' };
}

/** The line printed under a table when there are more pages. */
export function nextPageHint(token: string): string {
  return token ? `more: --page-token ${token}\n` : '';
}

/** `--priority low|normal|high|urgent` (absent = UNSPECIFIED, which services take as NORMAL). */
export function priorityOf(args: ParsedArgs, flag = 'priority'): commonv1.Priority {
  const v = args.string(flag);
  return v === undefined ? commonv1.Priority.PRIORITY_UNSPECIFIED : parseEnum(commonv1.Priority, 'PRIORITY_', flag, v);
}

/** One channel name: `whatsapp` (or `wa`) / `sms`. */
export function parseChannel(flag: string, value: string): commonv1.Channel {
  return parseEnum(commonv1.Channel, 'CHANNEL_', flag, value, { wa: commonv1.Channel.CHANNEL_WHATSAPP });
}

/** `--channel whatsapp|sms` (absent = UNSPECIFIED). */
export function channelOf(args: ParsedArgs, flag = 'channel'): commonv1.Channel {
  const v = args.string(flag);
  return v === undefined ? commonv1.Channel.CHANNEL_UNSPECIFIED : parseChannel(flag, v);
}

/** `--locale id|en` (absent = UNSPECIFIED, which the template service takes as `id`). */
export function localeOf(args: ParsedArgs, flag = 'locale'): commonv1.Locale {
  const v = args.string(flag);
  return v === undefined ? commonv1.Locale.LOCALE_UNSPECIFIED : parseEnum(commonv1.Locale, 'LOCALE_', flag, v);
}

/** `--type` as a NotificationType (`ticket_created`, …); undefined when absent. */
export function notificationTypeOf(args: ParsedArgs, flag: string): commonv1.NotificationType | undefined {
  const v = args.string(flag);
  return v === undefined ? undefined : parseEnum(commonv1.NotificationType, 'NOTIFICATION_TYPE_', flag, v);
}

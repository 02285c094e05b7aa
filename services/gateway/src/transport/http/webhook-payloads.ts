import { z } from 'zod';
import { advantaReceiptKind, advantaTime, fonnteReceiptKind, twilioReceiptKind, wablasReceiptKind } from '../../domain/receipt-vocabulary';

/**
 * `pending`: the provider still holds the message (Fonnte's pending / processing / waiting,
 * providers.md §1.6); it changes no delivery state, it only ties Fonnte's stateid to the
 * message id (§1.7).
 */
export type ReceiptStatus = 'pending' | 'sent' | 'delivered' | 'read' | 'failed';
export type WebhookProvider = 'fonnte' | 'wablas' | 'twilio' | 'advanta';

/**
 * A provider's delivery receipt, normalized. Fonnte identifies a message by `providerMessageId`
 * (its send-response `id[]`) on the first receipt, which also carries the `stateId` that later
 * ones are keyed by alone (providers.md §1.7: "when only stateid is present, update the row
 * holding that stateid"); the others always give `providerMessageId`.
 */
export interface ProviderReceipt {
  provider: WebhookProvider;
  providerMessageId?: string;
  stateId?: string;
  status: ReceiptStatus;
  /** Provider's failure reason / code, only for `failed`. */
  error?: string;
  /** When the provider says it happened (its timestamp when given, else the time of receipt). */
  at: Date;
}

/** An inbound WhatsApp message (a technician's reply). `from` = the writer's number (digits). */
export interface InboundMessage {
  provider: 'fonnte' | 'wablas';
  from: string;
  text: string;
  isGroup: boolean;
  /** Group id (`…@g.us`) when written in a group. */
  group?: string;
  /** Sender's WhatsApp display name, when given. */
  name?: string;
  /**
   * The provider's id of the inbound message, when given (Fonnte `inboxid`, Wablas `id`): the
   * key that makes a retried webhook a duplicate (technician replies act once).
   */
  messageId?: string;
}

/**
 * Result of parsing: a receipt, or `ignored` for a status that says nothing to act on (an
 * intermediate one such as Twilio `queued`, Advanta `Scheduled`, Fonnte `pending` without both
 * id and stateid; or a word not in the provider's vocabulary).
 */
export type Parsed<T> = { kind: 'ok'; value: T } | { kind: 'ignored'; reason: string };

const str = z.union([z.string(), z.number()]).transform((v) => String(v).trim());
const optStr = str.optional();
const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0'])]).transform((v) => v === true || v === 'true' || v === '1');

/** How far ahead of our clock a provider's time may be (clock skew) and still be believed: 5 minutes. */
const PROVIDER_CLOCK_AHEAD_MS = 5 * 60_000;
/** How old a provider's time may be and still be believed: 30 days (a receipt is about a message sent lately). */
const PROVIDER_TIME_MAX_AGE_MS = 30 * 86_400_000;

/**
 * A provider's receipt time when it can be believed: a valid date no more than 5 minutes ahead of
 * `now` and no more than 30 days before it; otherwise `now`, the time the receipt arrived (QA: a
 * millisecond value read as seconds stored a delivery in the year 58903, a huge one made the
 * webhook answer 500 — and Fonnte sends a non-200 again 15 times, providers.md §1.7). The store
 * also keeps it between the message's creation and the receipt's arrival (receiptTimeSql).
 */
export function plausibleProviderTime(at: Date | undefined, now: Date): Date {
  const t = at?.getTime() ?? NaN;
  if (!Number.isFinite(t) || t > now.getTime() + PROVIDER_CLOCK_AHEAD_MS || t < now.getTime() - PROVIDER_TIME_MAX_AGE_MS) return now;
  return at!;
}

/**
 * Fonnte's `timestamp` (providers.md §1.7 names the field, not its unit): Unix seconds, or
 * milliseconds when the number is past 1e11 (a seconds value that large is the year 5138);
 * plausibleProviderTime, else `now`.
 */
function fromUnixTime(t: unknown, now: Date): Date {
  const n = typeof t === 'number' ? t : typeof t === 'string' && /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isFinite(n) || n <= 0) return now;
  return plausibleProviderTime(new Date(n > 1e11 ? n : n * 1000), now);
}

// --- Fonnte (providers.md §1.7 status webhook, §1.6 status vocabulary; states sent/delivered/read [low]) ---
export const fonnteStatusSchema = z
  .object({ id: optStr, stateid: optStr, status: optStr, state: optStr, timestamp: z.unknown().optional() })
  .refine((b) => !!b.id || !!b.stateid, { message: 'id or stateid is required' })
  .refine((b) => !!b.status || !!b.state, { message: 'status or state is required' });

/**
 * Fonnte's status webhook: the word is `state`, else `status` (lower-cased). sent / delivered /
 * read as such; failed, invalid, expired, rejected → `failed` (error = `status`). An in-between
 * word (pending, processing, waiting: §1.6) is a `pending` receipt when the callback carries both
 * `id` and `stateid` (§1.7: "when id and stateid are both present, update … stateid for message
 * id": the link later stateid-only receipts need), else ignored; any other word is ignored.
 */
export function parseFonnteStatus(body: unknown, now: Date): Parsed<ProviderReceipt> {
  const b = fonnteStatusSchema.parse(body);
  const word = (b.state || b.status || '').toLowerCase();
  const status = fonnteReceiptKind(word);
  if (!status || (status === 'pending' && !(b.id && b.stateid))) return { kind: 'ignored', reason: `status ${word}` };
  const r: ProviderReceipt = { provider: 'fonnte', status, at: fromUnixTime(b.timestamp, now) };
  if (b.id) r.providerMessageId = b.id;
  if (b.stateid) r.stateId = b.stateid;
  if (status === 'failed') r.error = b.status || word;
  return { kind: 'ok', value: r };
}

/** A text field that may come as a JSON number (`"message": 1`): as its text, untrimmed. */
const textField = z.union([z.string(), z.number()]).transform((v) => String(v));

/**
 * Fonnte inbound chat (providers.md §1.7b; in a group `sender` is the group, `member` the
 * writer). The text is `message`, or `text` (a button / interactive reply's text) when `message`
 * is empty or absent; one of them is required. Either may come as a number (QA: `"message": 1`
 * was a 400).
 */
export const fonnteInboundSchema = z
  .object({
    sender: str.pipe(z.string().min(1)),
    message: textField.optional(),
    text: textField.optional(),
    member: optStr,
    isgroup: bool.optional(),
    name: optStr,
    inboxid: optStr,
  })
  .refine((b) => b.message !== undefined || b.text !== undefined, { message: 'message or text is required', path: ['message'] });
export function parseFonnteInbound(body: unknown): InboundMessage {
  const b = fonnteInboundSchema.parse(body);
  const isGroup = b.isgroup ?? b.sender.endsWith('@g.us');
  if (isGroup && !b.member) throw new z.ZodError([{ code: 'custom', path: ['member'], message: 'member is required in a group', input: body }]);
  const text = b.message?.trim() ? b.message : (b.text ?? b.message ?? '');
  const m: InboundMessage = { provider: 'fonnte', from: isGroup ? b.member! : b.sender, text, isGroup };
  if (isGroup) m.group = b.sender;
  if (b.name) m.name = b.name;
  if (b.inboxid) m.messageId = b.inboxid;
  return m;
}

// --- Wablas (providers.md §2.7 tracking webhook; white-label vocabulary received/reject) ------
export const wablasStatusSchema = z.object({ id: str.pipe(z.string().min(1)), status: str, note: optStr });
export function parseWablasStatus(body: unknown, now: Date): Parsed<ProviderReceipt> {
  const b = wablasStatusSchema.parse(body);
  const status = wablasReceiptKind(b.status.toLowerCase());
  if (!status) return { kind: 'ignored', reason: `status ${b.status}` };
  const r: ProviderReceipt = { provider: 'wablas', providerMessageId: b.id, status, at: now };
  if (status === 'failed') r.error = b.note || b.status;
  return { kind: 'ok', value: r };
}

/** Wablas inbound (undocumented [low]: `phone`, `message`, `isGroup`, `group.group_id`). */
export const wablasInboundSchema = z.object({
  phone: str.pipe(z.string().min(1)),
  message: z.string(),
  isGroup: bool.optional(),
  group: z.object({ group_id: optStr }).nullish(),
  pushName: optStr,
  id: optStr,
});
export function parseWablasInbound(body: unknown): InboundMessage {
  const b = wablasInboundSchema.parse(body);
  const m: InboundMessage = { provider: 'wablas', from: b.phone, text: b.message, isGroup: b.isGroup ?? false };
  if (b.group?.group_id) m.group = b.group.group_id;
  if (b.pushName) m.name = b.pushName;
  if (b.id) m.messageId = b.id;
  return m;
}

// --- Twilio (providers.md §3.3 StatusCallback, form params) -------------------------------
export const twilioStatusSchema = z.object({ MessageSid: z.string().min(1), MessageStatus: z.string().min(1), ErrorCode: z.string().optional() });
export function parseTwilioStatus(body: unknown, now: Date): Parsed<ProviderReceipt> {
  const b = twilioStatusSchema.parse(body);
  const status = twilioReceiptKind(b.MessageStatus);
  if (!status) return { kind: 'ignored', reason: `status ${b.MessageStatus}` };
  const r: ProviderReceipt = { provider: 'twilio', providerMessageId: b.MessageSid, status, at: now };
  if (status === 'failed') r.error = b.ErrorCode ? `${b.MessageStatus} (${b.ErrorCode})` : b.MessageStatus;
  return { kind: 'ok', value: r };
}

// --- Advanta (providers.md §4.3 DLR push; timestamp "YYYY-MM-DD HH:mm:ss" EAT, UTC+3) --------
export const advantaDlrSchema = z.object({ description: z.string().min(1), messageid: str.pipe(z.string().min(1)), timestamp: z.string().optional() });
export function parseAdvantaDlr(body: unknown, now: Date): Parsed<ProviderReceipt> {
  const b = advantaDlrSchema.parse(body);
  const status = advantaReceiptKind(b.description);
  if (!status) return { kind: 'ignored', reason: `description ${b.description}` };
  const at = plausibleProviderTime(advantaTime(b.timestamp), now);
  const r: ProviderReceipt = { provider: 'advanta', providerMessageId: b.messageid, status, at };
  if (status === 'failed') r.error = b.description;
  return { kind: 'ok', value: r };
}

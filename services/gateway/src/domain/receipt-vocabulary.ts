import type { ReceiptKind } from './delivery';

/**
 * Each provider's status words → the receipt they amount to (no I/O). One table per provider,
 * read by the webhook parsers (the words a provider posts) and by the providers' status
 * look-ups (the words it answers when asked, see ReceiptReconciler): a word means the same in
 * both places. A word not in a table means nothing to act on (undefined).
 *
 * The tables are Maps, not object literals: a word such as `constructor` or `__proto__` is not
 * found (an object literal would answer Object.prototype's members).
 */
function statusTable(entries: Record<string, ReceiptKind>): (word: string) => ReceiptKind | undefined {
  const table = new Map(Object.entries(entries));
  return (word) => table.get(word);
}

/**
 * Fonnte, lower-cased (providers.md §1.7 status webhook states sent / delivered / read [low];
 * §1.6 look-up vocabulary Sent, Pending, Waiting, Invalid, Expired, Processing [high]): invalid
 * (invalid target number), expired (device disconnected 7 days), failed, rejected → `failed`;
 * pending / processing / waiting → `pending` (still with Fonnte). "Url unreachable" is not a
 * message status the gateway acts on (not in the table).
 */
export const fonnteReceiptKind = statusTable({
  sent: 'sent', delivered: 'delivered', read: 'read',
  failed: 'failed', invalid: 'failed', expired: 'failed', rejected: 'failed',
  pending: 'pending', processing: 'pending', waiting: 'pending',
});

/**
 * Wablas tracking webhook, lower-cased (providers.md §2.7; white-label vocabulary received /
 * reject / cancel [low]): cancel (the message will not go; QA: it was ignored and the delivery
 * stayed SENT) and reject → `failed`.
 */
export const wablasReceiptKind = statusTable({
  sent: 'sent', delivered: 'delivered', received: 'delivered', read: 'read', failed: 'failed', reject: 'failed', rejected: 'failed',
  cancel: 'failed', canceled: 'failed', cancelled: 'failed',
});

/**
 * Twilio Message `status` (providers.md §3.1 status enum, §3.3; the same words in the
 * StatusCallback's `MessageStatus` and the Message resource): undelivered / failed / canceled →
 * `failed`; accepted, queued, sending, scheduled… are in between (not in the table).
 */
export const twilioReceiptKind = statusTable({ sent: 'sent', delivered: 'delivered', read: 'read', undelivered: 'failed', failed: 'failed', canceled: 'failed' });

/**
 * Advanta delivery description (providers.md §4.3, the DLR push's `description` and getdlr's
 * `delivery-description` [high for the strings]): SentToNetwork → `sent`, DeliveredToTerminal →
 * `delivered`, AbsentSubscriber / DeliveryImpossible / "SenderName Blacklisted" → `failed`;
 * Unknown and Scheduled say nothing yet (not in the table).
 */
export const advantaReceiptKind = statusTable({
  SentToNetwork: 'sent', DeliveredToTerminal: 'delivered', AbsentSubscriber: 'failed', DeliveryImpossible: 'failed', 'SenderName Blacklisted': 'failed',
});

/**
 * Whether a failed receipt's error (as the webhook parsers and the status look-ups word it: the
 * provider's own status word, or Twilio's `<status> (<ErrorCode>)`) says that no later round on
 * the same channel can reach the recipient — the number, not the provider or the moment, is the
 * problem — so the delivery should not spend its rounds there:
 * - Fonnte `invalid`: "cannot be sent due to invalid target number" (providers.md §1.6 status
 *   vocabulary [high]): the number has no WhatsApp; Wablas would fail the same way.
 * - Twilio ErrorCode 30004 (message blocked), 30005 (unknown destination), 30006 (landline or
 *   unreachable carrier) (providers.md §3 async delivery failures [high]). 30003 (unreachable:
 *   a phone switched off), 30007 (carrier filtering), 30008 (unknown) may pass later or through
 *   Advanta: not permanent.
 * - Advanta `DeliveryImpossible` (providers.md §4.3 [high for the strings]: the network refuses
 *   the number). `AbsentSubscriber` (phone off) and `SenderName Blacklisted` (our sender id, not
 *   the number: Twilio may take it) are not permanent.
 * Wablas documents no failure reason (§2.7 [low]): never permanent. Unknown words: not permanent
 * (a retry costs a round; a wrong DEAD loses the message).
 */
export function isPermanentReceiptFailure(provider: string, error: string | undefined): boolean {
  const e = (error ?? '').trim();
  switch (provider) {
    case 'fonnte':
      return e.toLowerCase() === 'invalid';
    case 'twilio': {
      const code = /\((\d+)\)\s*$/.exec(e)?.[1];
      return code !== undefined && TWILIO_PERMANENT_CODES.has(code);
    }
    case 'advanta':
      return e === 'DeliveryImpossible';
    default:
      return false;
  }
}

/** Twilio asynchronous error codes that no retry to the same number can pass (see isPermanentReceiptFailure). */
const TWILIO_PERMANENT_CODES: ReadonlySet<string> = new Set(['30004', '30005', '30006']);

/**
 * An Advanta time (`YYYY-MM-DD HH:mm:ss`, East Africa Time, UTC+3: the DLR push's `timestamp` and
 * getdlr's `delivery-time`, providers.md §4.3) as a Date; undefined when it is not in that form.
 */
export function advantaTime(text: string | undefined): Date | undefined {
  const m = text ? /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(text.trim()) : null;
  if (!m) return undefined;
  const at = new Date(`${m[1]}T${m[2]}+03:00`);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

import { NotFoundError } from '@notify/errors';
import { callUnary, isUuid } from '@notify/grpc-kit';
import { commonv1, gatewayv1 } from '@notify/proto';
import { enumLabel, parseEnum, parseTime } from '../args';
import type { CommandGroup, CommandSpec } from '../command';
import { PAGE_OPTIONS, actorLabel, formatTime, nextPageHint, notificationTypeLabel, notificationTypeOf, pageRequest, priorityLabel } from '../format';
import { formatRecord, formatTable } from '../table';
import { resolveTicketId } from './tickets';

const kindLabel = (k: commonv1.RecipientKind): string => enumLabel(commonv1.RecipientKind, 'RECIPIENT_KIND_', k).toLowerCase();

/**
 * `Left out:` and one line per person the notification names as left out (GetNotification's
 * left_out_recipients: the first 50), `  Budi Santoso (customer 0b9f7c1e-…): opted out of
 * WHATSAPP`, `  phone 6281234567890: opted out of SMS`, and how many more it counted, ending with a
 * line break; '' when it names nobody.
 */
export function leftOutList(n: Pick<gatewayv1.Notification, 'leftOut' | 'leftOutRecipients'>): string {
  if (n.leftOutRecipients.length === 0) return '';
  const lines = n.leftOutRecipients.map((l) => {
    const ref = l.id ? `${kindLabel(l.kind)} ${l.id}` : l.address ? `phone ${l.address}` : `a ${kindLabel(l.kind)}`;
    return `  ${l.name ? `${l.name} (${ref})` : ref}: ${l.reason}`;
  });
  const more = n.leftOut - n.leftOutRecipients.length;
  if (more > 0) lines.push(`  … and ${more} more, not named (a notification keeps the first 50 by name)`);
  return `Left out:\n${lines.join('\n')}\n`;
}

const statusLabel = (s: gatewayv1.NotificationStatus): string => enumLabel(gatewayv1.NotificationStatus, 'NOTIFICATION_STATUS_', s);
const sourceLabel = (s: gatewayv1.NotificationSource): string => enumLabel(gatewayv1.NotificationSource, 'NOTIFICATION_SOURCE_', s);

/**
 * What became of a notification, in words: how many deliveries, how many people left out, and
 * why when known (the first text that could not be rendered), or that nobody was reached and
 * what decides that (the routing rules, preferences and opt-outs: the customer service's
 * ResolveRecipients). '' while it is still being resolved.
 */
export function notificationOutcome(n: Pick<gatewayv1.Notification, 'status' | 'deliveriesCreated' | 'leftOut' | 'error'>): string {
  if (n.status === gatewayv1.NotificationStatus.NOTIFICATION_STATUS_RESOLVING) return 'resolving';
  const why = n.error ? `: ${n.error}` : '';
  if (n.deliveriesCreated === 0) {
    if (n.error) return `reached nobody${why}`;
    // Everyone it named was left out (QA: "an audience with no one active in it?" beside "Left out: 1").
    if (n.leftOut > 0) return `reached nobody: all ${n.leftOut} left out (opted out, no phone, inactive, a channel switched off or a phone another recipient has)`;
    return 'reached nobody: the routing rules, preferences and opt-outs left nobody (an audience with no one active in it?)';
  }
  return n.leftOut > 0 ? `${n.leftOut} left out${why || ' (opted out, no phone, inactive, a channel switched off or a phone another recipient has)'}` : '';
}

/** The notification table of `notifications list`. */
export function notificationTable(notifications: readonly gatewayv1.Notification[]): string {
  return formatTable(
    [
      { header: 'ID' },
      { header: 'CREATED' },
      { header: 'SOURCE' },
      { header: 'TYPE' },
      { header: 'STATUS' },
      { header: 'DELIVERIES', align: 'right' },
      { header: 'LEFT OUT', align: 'right' },
      { header: 'OUTCOME', maxWidth: 60 },
    ],
    notifications.map((n) => [
      n.id,
      formatTime(n.createdAt),
      sourceLabel(n.source),
      notificationTypeLabel(n.notificationType),
      statusLabel(n.status),
      String(n.deliveriesCreated),
      String(n.leftOut),
      notificationOutcome(n),
    ]),
  );
}

const list: CommandSpec = {
  name: 'list',
  summary: 'list notifications (one per event, notify or broadcast), newest first; --incomplete: those that reached nobody or left someone out',
  service: 'gateway',
  options: {
    incomplete: { type: 'boolean', description: 'only those that reached nobody or left someone out' },
    since: { type: 'string', valueName: 'time', description: 'created at or after (ISO 8601 or a span ago like 24h)' },
    type: { type: 'string', valueName: 'type', description: 'notification type, e.g. ticket_escalated' },
    status: { type: 'string', valueName: 'status', description: 'resolving, resolved, failed' },
    source: { type: 'string', valueName: 'source', description: 'event, notify, broadcast' },
    ticket: { type: 'string', valueName: 'ticket', description: 'about this ticket: id or number (looked up in the ticket service)' },
    ...PAGE_OPTIONS,
  },
  examples: ['notifyctl notifications list --incomplete --since 24h'],
  async run({ args, clients, now }) {
    const since = args.string('since');
    const status = args.string('status');
    const source = args.string('source');
    const ticket = args.string('ticket');
    const req = gatewayv1.ListNotificationsRequest.fromPartial({
      created: since === undefined ? undefined : { from: parseTime('since', since, now) },
      status: status === undefined ? 0 : parseEnum(gatewayv1.NotificationStatus, 'NOTIFICATION_STATUS_', 'status', status),
      source: source === undefined ? 0 : parseEnum(gatewayv1.NotificationSource, 'NOTIFICATION_SOURCE_', 'source', source),
      notificationType: notificationTypeOf(args, 'type') ?? 0,
      incomplete: args.flag('incomplete'),
      page: pageRequest(args),
    });
    // After the flags are checked (a usage error calls nothing): a ticket number is looked up.
    if (ticket) req.ticketId = await resolveTicketId(clients, ticket);
    const res = await callUnary(clients.gateway, 'listNotifications', req);
    return { json: gatewayv1.ListNotificationsResponse.toJSON(res), text: notificationTable(res.notifications) + nextPageHint(res.nextPageToken) };
  },
};

const show: CommandSpec = {
  name: 'show',
  summary: 'one notification: what asked for it, its deliveries by status, who was left out and why (the first 50 by name)',
  service: 'gateway',
  positionals: [{ name: 'id-or-key', description: 'notification id, or its idempotency key (an event id, a Notify key)' }],
  async run({ args, clients }) {
    const v = args.positional(0).trim();
    // A UUID is a notification id, or a key (an event's id, a Notify's default key): both are tried.
    const byKey = () => callUnary(clients.gateway, 'getNotification', { notificationId: '', idempotencyKey: v });
    const res = isUuid(v)
      ? await callUnary(clients.gateway, 'getNotification', { notificationId: v, idempotencyKey: '' }).catch((err: unknown) => {
        if (err instanceof NotFoundError) return byKey();
        throw err;
      })
      : await byKey();
    const n = res.notification!;
    const byStatus = res.deliveriesByStatus.map((s) => `${enumLabel(gatewayv1.DeliveryStatus, 'DELIVERY_STATUS_', s.status)} ${s.count}`).join(', ');
    const text = formatRecord([
      ['ID', n.id],
      ['Key', n.idempotencyKey],
      ['Source', sourceLabel(n.source)],
      ['Type', notificationTypeLabel(n.notificationType)],
      ['Priority', priorityLabel(n.priority)],
      ['Template', n.templateKey || '(each recipient\'s routing rule)'],
      ['Ticket', n.ticketId],
      ['Status', statusLabel(n.status)],
      ['Deliveries', `${n.deliveriesCreated}${byStatus ? `: ${byStatus}` : ''}`],
      ['Left out', String(n.leftOut)],
      ['Outcome', notificationOutcome(n)],
      ['By', actorLabel(n.actor)],
      ['Created', formatTime(n.createdAt)],
      ['Resolved', formatTime(n.resolvedAt)],
    ]);
    const leftOut = leftOutList(n);
    const hint = n.deliveriesCreated > 0 ? `notifyctl deliveries list --notification ${n.id} lists its deliveries` : undefined;
    return { json: gatewayv1.GetNotificationResponse.toJSON(res), text: leftOut ? `${text}\n${leftOut}` : text, ...(hint ? { note: hint } : {}) };
  },
};

/** `notifyctl notifications …`: what asked for messages, and what came of it (gateway). */
export const notificationsGroup: CommandGroup = {
  name: 'notifications',
  aliases: ['notification'],
  summary: 'list and show notifications: what asked for messages and what came of it, those that reached nobody included (gateway service)',
  commands: [list, show],
};

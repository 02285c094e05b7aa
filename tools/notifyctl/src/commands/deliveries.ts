import { randomUUID } from 'node:crypto';
import { callUnary, fromGrpcError, isUuid } from '@notify/grpc-kit';
import { commonv1, gatewayv1 } from '@notify/proto';
import { UsageError, enumLabel, parseDuration, parseEnum, parseIntFlag, parseTime, parseVariables } from '../args';
import { parseAudience } from '../audience';
import type { Clients } from '../clients';
import type { CommandGroup, CommandSpec } from '../command';
import {
  PAGE_OPTIONS,
  channelLabel,
  channelOf,
  formatClock,
  formatNumber,
  formatRupiah,
  formatTime,
  nextPageHint,
  notificationTypeLabel,
  notificationTypeOf,
  pageRequest,
  parseChannel,
  priorityOf,
} from '../format';
import { AnnotatedCallError, callFailureOf, callingService } from '../errors';
import { formatRecord, formatTable } from '../table';
import { personIdsOf } from './id-or-phone';
import { notificationOutcome } from './notifications';
import { resolveTicketId } from './tickets';
import { templateKeyChannels } from './templates';

const statusLabel = (s: gatewayv1.DeliveryStatus): string => enumLabel(gatewayv1.DeliveryStatus, 'DELIVERY_STATUS_', s);
const providerLabel = (p: gatewayv1.Provider): string => enumLabel(gatewayv1.Provider, 'PROVIDER_', p);

const SMS_PROVIDERS = new Set([gatewayv1.Provider.PROVIDER_TWILIO, gatewayv1.Provider.PROVIDER_ADVANTA]);

/**
 * A delivery's PROVIDER cell: the provider of its last attempt, and `(SMS fallback)` when that is
 * an SMS provider for a WhatsApp delivery (QA: `WHATSAPP ADVANTA FAILED` read as a wrong route)
 * or for one a WhatsApp receipt moved to SMS (`sms_fallback_reason`).
 */
export function deliveryProviderCell(d: Pick<gatewayv1.Delivery, 'channel' | 'provider'> & Partial<Pick<gatewayv1.Delivery, 'smsFallbackReason'>>): string {
  const label = providerLabel(d.provider);
  const fellBack = d.channel === commonv1.Channel.CHANNEL_WHATSAPP || Boolean(d.smsFallbackReason);
  return fellBack && SMS_PROVIDERS.has(d.provider) ? `${label} (SMS fallback)` : label;
}

/**
 * A delivery's STATUS cell in tables: the status, and for a DEFERRED one when it goes and why
 * (`DEFERRED until 2026-11-23 07:00 WIB (quiet hours)`; QA: only `deliveries show` said so).
 */
export function deliveryStatusCell(d: Pick<gatewayv1.Delivery, 'status' | 'deferredUntil' | 'deferredReason'>): string {
  const status = statusLabel(d.status);
  if (d.status !== gatewayv1.DeliveryStatus.DELIVERY_STATUS_DEFERRED || !d.deferredUntil) return status;
  return `${status} until ${formatTime(d.deferredUntil)}${d.deferredReason ? ` (${d.deferredReason})` : ''}`;
}

/** The delivery table of `deliveries list` and `deliveries notify` (a DEFERRED delivery with the time it goes, deliveryStatusCell). */
export function deliveryTable(deliveries: readonly gatewayv1.Delivery[]): string {
  return formatTable(
    [
      { header: 'ID' },
      { header: 'TYPE' },
      { header: 'RECIPIENT' },
      { header: 'CHANNEL' },
      { header: 'PROVIDER' },
      { header: 'STATUS' },
      { header: 'ATTEMPTS', align: 'right' },
      { header: 'CREATED' },
      { header: 'LAST ERROR', maxWidth: 40 },
    ],
    deliveries.map((d) => [
      d.id,
      notificationTypeLabel(d.notificationType),
      d.recipientName ? `${d.recipient} (${d.recipientName})` : d.recipient,
      channelLabel(d.channel),
      deliveryProviderCell(d),
      deliveryStatusCell(d),
      String(d.attemptCount),
      formatTime(d.createdAt),
      d.lastError,
    ]),
  );
}

/**
 * One delivery as a `Label: value` record (times in WIB, empty values left out; `Trace` is the
 * W3C trace id to look up in the tracing UI, `-` when the delivery has none) followed by
 * `Attempts:` and its attempts table (`(none)` when the message carries none: ListDeliveries
 * and events leave them out; GetDelivery and RetryDelivery fill them). '' for no delivery.
 */
export function deliveryDetail(d: gatewayv1.Delivery | undefined): string {
  if (!d) return '';
  const record = formatRecord([
    ['ID', d.id],
    ['Notification', d.notificationId],
    ['Type', notificationTypeLabel(d.notificationType)],
    ['Ticket', d.ticketId],
    ['Recipient', d.recipientName ? `${d.recipient} (${d.recipientName})` : d.recipient],
    ['Channel', channelLabel(d.channel)],
    ['Provider', deliveryProviderCell(d)],
    ['Status', statusLabel(d.status)],
    ['Failover', d.failover ? 'yes' : ''],
    ['SMS fallback', d.smsFallbackReason ? `moved from WhatsApp: ${d.smsFallbackReason} (the number cannot get WhatsApp messages)` : ''],
    ['Template', d.templateKey ? `${d.templateKey} v${d.templateVersion}` : ''],
    ['Provider message', d.providerMessageId],
    ['Cost', formatRupiah(d.costRupiah)],
    ['Last error', d.lastError],
    ['Deferred until', d.deferredUntil ? `${formatTime(d.deferredUntil)}${d.deferredReason ? ` (${d.deferredReason})` : ''}` : ''],
    ['Next attempt', formatTime(d.nextAttemptAt)],
    ['Created', formatTime(d.createdAt)],
    ['Sent', formatTime(d.sentAt)],
    ['Delivered', formatTime(d.deliveredAt)],
    ['Read', formatTime(d.readAt)],
    ['Receipt look-ups', d.receiptChecks > 0 ? `${d.receiptChecks} (its receipt never came; asked the provider)` : ''],
    ['Trace', d.traceId || '-'],
    ['Body', d.body],
  ]);
  const attempts = formatTable(
    [
      { header: '#', align: 'right' },
      { header: 'PROVIDER' },
      { header: 'OUTCOME' },
      { header: 'HTTP', align: 'right' },
      { header: 'LATENCY MS', align: 'right' },
      { header: 'STARTED' },
      { header: 'ERROR', maxWidth: 50 },
    ],
    d.attempts.map((a) => [
      String(a.number),
      providerLabel(a.provider),
      enumLabel(gatewayv1.AttemptOutcome, 'ATTEMPT_OUTCOME_', a.outcome),
      a.httpStatus ? String(a.httpStatus) : '',
      String(a.latencyMs),
      formatTime(a.startedAt),
      a.error,
    ]),
  );
  return `${record}\nAttempts:\n${attempts}`;
}

const list: CommandSpec = {
  name: 'list',
  summary: 'list deliveries (one message to one recipient), filtered',
  service: 'gateway',
  options: {
    ticket: { type: 'string', valueName: 'ticket', description: 'deliveries about this ticket: id or number (GGN-20261122-0001, looked up in the ticket service)' },
    recipient: { type: 'string', valueName: 'phone|chat', description: 'to this phone number or group chat id' },
    status: {
      type: 'string',
      multiple: true,
      valueName: 'status',
      description: 'queued, deferred, sending, sent, delivered, read, failed, dead, cancelled; several: any of them (--status failed,dead)',
    },
    channel: { type: 'string', valueName: 'whatsapp|sms', description: 'channel' },
    provider: { type: 'string', valueName: 'p', description: 'fonnte, wablas, twilio, advanta' },
    notification: { type: 'string', valueName: 'id', description: 'of this notification' },
    type: { type: 'string', valueName: 'type', description: 'notification type, e.g. ticket_created' },
    since: { type: 'string', valueName: 'time', description: 'created at or after (ISO 8601 or a span ago like 24h)' },
    ...PAGE_OPTIONS,
  },
  async run({ args, clients, now }) {
    const statuses = [...new Set(args.list('status').map((s) => parseEnum(gatewayv1.DeliveryStatus, 'DELIVERY_STATUS_', 'status', s)))];
    const provider = args.string('provider');
    const since = args.string('since');
    const ticket = args.string('ticket');
    const req: gatewayv1.ListDeliveriesRequest = {
      ticketId: '',
      recipient: args.string('recipient') ?? '',
      // One status as `status`, several as `statuses` (any of them; QA: --status failed,dead was refused).
      status: statuses.length === 1 ? statuses[0]! : 0,
      statuses: statuses.length > 1 ? statuses : [],
      channel: channelOf(args),
      provider: provider === undefined ? 0 : parseEnum(gatewayv1.Provider, 'PROVIDER_', 'provider', provider),
      notificationId: args.string('notification') ?? '',
      notificationType: notificationTypeOf(args, 'type') ?? 0,
      created: since === undefined ? undefined : { from: parseTime('since', since, now), to: undefined },
      page: pageRequest(args),
    };
    // After the flags are checked (a usage error calls nothing): a ticket number is looked up.
    if (ticket) req.ticketId = await resolveTicketId(clients, ticket);
    const res = await callUnary(clients.gateway, 'listDeliveries', req);
    return { json: gatewayv1.ListDeliveriesResponse.toJSON(res), text: deliveryTable(res.deliveries) + nextPageHint(res.nextPageToken) };
  },
};

const show: CommandSpec = {
  name: 'show',
  summary: 'show one delivery with every provider attempt',
  service: 'gateway',
  positionals: [{ name: 'delivery-id', description: 'delivery id' }],
  async run({ args, clients }) {
    const res = await callUnary(clients.gateway, 'getDelivery', { deliveryId: args.positional(0) });
    return { json: gatewayv1.GetDeliveryResponse.toJSON(res), text: deliveryDetail(res.delivery) };
  },
};

const retry: CommandSpec = {
  name: 'retry',
  summary: 'send a FAILED or DEAD delivery again',
  service: 'gateway',
  positionals: [{ name: 'delivery-id', description: 'delivery id' }],
  async run({ args, clients }) {
    const res = await callUnary(clients.gateway, 'retryDelivery', { deliveryId: args.positional(0), actor: undefined });
    return { json: gatewayv1.RetryDeliveryResponse.toJSON(res), text: deliveryDetail(res.delivery) };
  },
};

/**
 * The group ids `values` name: an id (UUID) as given; a WhatsApp chat id (`…@g.us`) or a group's
 * name (case and spaces around it aside) looked up among the customer service's groups
 * (ListGroups, all pages, once for all of them; QA: `--to-group 120363…@g.us` and `--to-group
 * "Teknisi Karawang"` were NOT_FOUND as group ids). Rejects naming a chat id no group has, a name
 * no group has, or a name two groups share (give the id or chat id then).
 */
export async function groupIdsOf(clients: Clients, values: readonly string[]): Promise<string[]> {
  if (values.every((v) => isUuid(v))) return [...values];
  const byChat = new Map<string, string>();
  const byName = new Map<string, string[]>();
  let pageToken = '';
  do {
    const res = await callingService('customer', () =>
      callUnary(clients.customer, 'listGroups', { categories: [], workZone: '', activeOnly: false, page: { pageSize: 500, pageToken } }),
    );
    for (const g of res.groups) {
      byChat.set(g.chatId, g.id);
      const name = g.name.trim().toLowerCase();
      byName.set(name, [...(byName.get(name) ?? []), g.id]);
    }
    pageToken = res.nextPageToken;
  } while (pageToken);
  const unknown = values.filter((c) => c.endsWith('@g.us') && !byChat.has(c));
  if (unknown.length) throw new Error(`no group has the chat id ${unknown.join(', ')} (notifyctl groups list shows them)`);
  return values.map((v) => {
    if (isUuid(v)) return v;
    if (v.endsWith('@g.us')) return byChat.get(v)!;
    const ids = byName.get(v.trim().toLowerCase()) ?? [];
    if (ids.length === 1) return ids[0]!;
    if (ids.length > 1) throw new Error(`${ids.length} groups are named "${v}": give the one's id or chat id (notifyctl groups list shows them)`);
    throw new Error(`no group is named "${v}", and it is no group id (UUID) or chat id (…@g.us); notifyctl groups list shows them`);
  });
}

/**
 * A Notify refused because its template has no version on a channel (`NOT_FOUND: template
 * upgrade.offer/SMS/id not found`) gets the way out after it (QA: the bare key read as internal):
 * - a key no template has at all (`keyChannels` empty): it is not a template key (QA: `--template
 *   nope.nope` was told to leave out a --channel it was not given);
 * - `channelGiven`: leave that channel out, or add the version;
 * - else (the recipients' own channel): add the version, or send on a channel the key has.
 * `keyChannels`: the channels the key has versions on (undefined: not known, as `channelGiven`).
 * Other errors are passed on unchanged.
 */
export function withMissingChannelHint(err: unknown, keyChannels?: readonly commonv1.Channel[], channelGiven = true): unknown {
  const m = missingTemplateOf(err);
  if (!m) return err;
  const { key, channel, locale } = m;
  const lower = channel.toLowerCase();
  if (keyChannels && keyChannels.length === 0) return new AnnotatedCallError(err, `${key} is not a template key (notifyctl templates list shows them; --template is optional: the type's standard template)`);
  if (channelGiven) return new AnnotatedCallError(err, `${key} has no ${channel} version in locale ${locale}: leave --channel ${lower} out, or add one (notifyctl templates edit ${key} --channel ${lower})`);
  const others = [...new Set((keyChannels ?? []).map(channelLabel))].filter((c) => c !== channel);
  return new AnnotatedCallError(
    err,
    `${key} has no ${channel} version in locale ${locale} (a recipient's channel): add one (notifyctl templates edit ${key} --channel ${lower})${others.length > 0 ? ` or send on ${others.join(' or ')} (--channel ${others[0]!.toLowerCase()})` : ''}`,
  );
}

/** The template a NOT_FOUND names (`template <key>/<CHANNEL>/<locale> not found`), if it is one. */
function missingTemplateOf(err: unknown): { key: string; channel: string; locale: string } | undefined {
  const failure = callFailureOf(err);
  const m = failure?.status === 'NOT_FOUND' ? /template ([a-z0-9_.]+)\/(WHATSAPP|SMS)\/(\w+) not found/.exec(failure.message) : null;
  return m ? { key: m[1]!, channel: m[2]!, locale: m[3]! } : undefined;
}

const notify: CommandSpec = {
  name: 'notify',
  summary: 'send one notification to recipients or an audience',
  service: 'gateway',
  options: {
    type: { type: 'string', required: true, valueName: 'type', description: 'notification type, e.g. maintenance, ticket_created' },
    'to-phone': { type: 'string', multiple: true, valueName: 'phone', description: 'a phone number in any common form (repeatable)' },
    'to-customer': { type: 'string', multiple: true, valueName: 'id-or-phone', description: 'a customer: id (UUID) or phone, looked up in the customer service (repeatable)' },
    'to-staff': { type: 'string', multiple: true, valueName: 'id-or-phone', description: 'a staff member: id (UUID) or phone, looked up in the customer service (repeatable)' },
    'to-group': { type: 'string', multiple: true, valueName: 'id-chat-id-or-name', description: 'a WhatsApp group: its id, or its chat id (…@g.us) or name looked up (repeatable)' },
    audience: { type: 'string', valueName: 'spec', description: 'instead of --to-*: kind[:zone=…,group=…,roles=a+b,customer=…,staff=…]' },
    template: { type: 'string', valueName: 'key', description: 'template key (default: the type\'s standard template)' },
    var: { type: 'string', multiple: true, valueName: 'key=value', description: 'a template variable (repeatable)' },
    vars: { type: 'string', valueName: 'json', description: 'template variables as a JSON object' },
    priority: { type: 'string', valueName: 'p', description: 'low, normal (default), high, urgent' },
    channel: { type: 'string', multiple: true, valueName: 'whatsapp|sms', description: 'channel order to try (default: preferences)' },
    ticket: { type: 'string', valueName: 'ticket', description: 'the ticket this is about: id or number (looked up in the ticket service)' },
    zone: { type: 'string', valueName: 'slug', description: 'work zone (for zone audiences)' },
    'idempotency-key': { type: 'string', valueName: 'key', description: 'a retry with the same key sends nothing new (default: a random UUID)' },
  },
  async run({ args, clients }) {
    const phones = args.raw('to-phone').map((v) => v.trim()).filter((v) => v !== '');
    const customers = args.list('to-customer');
    const staff = args.list('to-staff');
    const groups = args.list('to-group');
    const given = phones.length + customers.length + staff.length + groups.length;
    const audience = args.string('audience');
    if (audience !== undefined && given) throw new UsageError('give either --to-* recipients or --audience, not both');
    if (audience === undefined && !given) throw new UsageError('missing recipients: --to-phone, --to-customer, --to-staff, --to-group or --audience');
    // Filled in after the flags are checked (a usage error calls nothing): phones looked up.
    const addressees: gatewayv1.Addressee[] = [];
    const req: gatewayv1.NotifyRequest = {
      idempotencyKey: args.string('idempotency-key') ?? randomUUID(),
      notificationType: notificationTypeOf(args, 'type')!,
      target:
        audience !== undefined
          ? { $case: 'audience', value: parseAudience('audience', audience) }
          : { $case: 'recipients', value: { addressees } },
      variables: parseVariables(args.raw('var'), args.string('vars')),
      priority: priorityOf(args),
      templateKey: args.string('template') ?? '',
      channels: args.list('channel').map((c) => parseChannel('channel', c)),
      ticketId: '',
      workZone: args.string('zone') ?? '',
      actor: undefined,
    };
    // After the flags are checked (a usage error calls nothing): a ticket number, and the phones
    // given for customers and staff (QA: --to-customer took ids only, NOT_FOUND for a phone), are looked up.
    const ticket = args.string('ticket');
    const [ticketId, customerIds, staffIds, groupIds] = await Promise.all([
      ticket ? resolveTicketId(clients, ticket) : Promise.resolve(''),
      personIdsOf(clients, 'customer', customers),
      personIdsOf(clients, 'staff', staff),
      groupIdsOf(clients, groups),
    ]);
    req.ticketId = ticketId;
    addressees.push(
      ...phones.map((v) => ({ addressee: { $case: 'phone' as const, value: v } })),
      ...customerIds.map((v) => ({ addressee: { $case: 'customerId' as const, value: v } })),
      ...staffIds.map((v) => ({ addressee: { $case: 'staffId' as const, value: v } })),
      ...groupIds.map((v) => ({ addressee: { $case: 'groupId' as const, value: v } })),
    );
    const res = await callUnary(clients.gateway, 'notify', req).catch(async (err: unknown) => {
      const missing = missingTemplateOf(err);
      const keyChannels = missing ? await templateKeyChannels(clients, missing.key).catch(() => undefined) : undefined;
      throw withMissingChannelHint(err, keyChannels, args.list('channel').length > 0);
    });
    const n = res.notification;
    const head = n
      ? formatRecord([
          ['Notification', n.id],
          ['Status', enumLabel(gatewayv1.NotificationStatus, 'NOTIFICATION_STATUS_', n.status)],
          ['Duplicate', res.duplicate ? 'yes (nothing new sent)' : ''],
          ['Deliveries', String(n.deliveriesCreated)],
          ['Left out', n.leftOut ? String(n.leftOut) : ''],
          ['Error', n.error],
        ])
      : '';
    const note = notifyNote(res);
    return { json: gatewayv1.NotifyResponse.toJSON(res), text: `${head}\n${deliveryTable(res.deliveries)}`, ...(note ? { note } : {}) };
  },
};

/**
 * The stderr note of `deliveries notify` when the notification reached nobody or left people out
 * (QA: `--audience area_customers:zone=nowhere` printed `Deliveries: 0` and nothing else): what
 * came of it and why where known (notificationOutcome), and the command that shows it again.
 * Undefined when everyone it named got a delivery (or it is still resolving).
 */
export function notifyNote(res: Pick<gatewayv1.NotifyResponse, 'notification'>): string | undefined {
  const n = res.notification;
  if (!n) return undefined;
  const outcome = notificationOutcome(n);
  if (!outcome || n.status === gatewayv1.NotificationStatus.NOTIFICATION_STATUS_RESOLVING) return undefined;
  return `note: ${outcome}; see notifyctl notifications show ${n.id}`;
}

/** What a cost of a provider whose cost per message is not configured (`*_COST_RUPIAH`, 0) shows. */
const COST_NOT_SET = 'not set';

/**
 * The text of `deliveries stats`. `providers` (ListProviders, undefined when it failed) tells
 * which providers have no cost per message configured (`*_COST_RUPIAH` unset: 0, and GetStats
 * carries only the rupiah spent): their COST is `not set` (QA: `Rp 0` / blank read as free),
 * and when one of them was tried in the window the Cost line says the total counts only the
 * providers with a configured cost.
 */
export function statsText(res: gatewayv1.GetStatsResponse, providers?: gatewayv1.ListProvidersResponse): string {
  const unpriced = new Set(providers?.providers.filter((p) => p.costPerMessageRupiah === '0' || p.costPerMessageRupiah === '').map((p) => p.provider) ?? []);
  const isUnpriced = (p: gatewayv1.ProviderStats) => unpriced.has(p.provider) && (p.costRupiah === '0' || p.costRupiah === '');
  const unpricedUsed = res.byProvider.filter((p) => unpriced.has(p.provider)).map((p) => providerLabel(p.provider));
  const cost = (formatRupiah(res.costRupiah) || 'Rp 0') + (unpricedUsed.length ? ` (counts only providers with a configured cost; ${COST_NOT_SET}: ${unpricedUsed.join(', ')})` : '');
  let text = formatRecord([
    ['Since', formatTime(res.since)],
    ['Total', String(res.total)],
    ['Success rate', `${formatNumber(res.successRatePercent)}%`],
    ['Failovers', String(res.failovers)],
    ['Cost', cost],
    ['Mean time to send', `${formatNumber(res.meanTimeToSendMs, 0)} ms (messages held by quiet hours or the rate limit left out)`],
  ]);
  text += '\n' + formatTable(
    [{ header: 'STATUS' }, { header: 'COUNT', align: 'right' }],
    res.byStatus.map((s) => [statusLabel(s.status), String(s.count)]),
  );
  text += '\n' + formatTable(
    [
      { header: 'PROVIDER' },
      { header: 'ATTEMPTS', align: 'right' },
      { header: 'ACCEPTED', align: 'right' },
      { header: 'FAILED', align: 'right' },
      { header: 'SUCCESS %', align: 'right' },
      { header: 'MEAN MS', align: 'right' },
      { header: 'COST', align: 'right' },
    ],
    res.byProvider.map((p) => [
      providerLabel(p.provider),
      String(p.attempts),
      String(p.accepted),
      String(p.failed),
      formatNumber(p.successRatePercent),
      formatNumber(p.meanLatencyMs, 0),
      isUnpriced(p) ? COST_NOT_SET : formatRupiah(p.costRupiah) || 'Rp 0',
    ]),
  );
  return text;
}

const stats: CommandSpec = {
  name: 'stats',
  summary: 'delivery counts, success rate, failovers and cost by provider',
  service: 'gateway',
  options: { since: { type: 'string', valueName: 'time', description: 'window start: ISO 8601 or a span ago (default 7d, as GetStats)' } },
  async run({ args, clients, now }) {
    const since = parseTime('since', args.string('since') ?? '7d', now);
    // The providers' configured costs (best effort: without them the costs show as they are).
    const [res, providers] = await Promise.all([
      callUnary(clients.gateway, 'getStats', { since }),
      args.flag('json') ? Promise.resolve(undefined) : callUnary(clients.gateway, 'listProviders', {}).catch(() => undefined),
    ]);
    return { json: gatewayv1.GetStatsResponse.toJSON(res), text: statsText(res, providers) };
  },
};

/**
 * How long ago `at` was, coarsely: `45s ago`, `12m ago`, `5h ago`, `3d ago` (`now` when not past).
 */
export function agoLabel(at: Date, now: Date): string {
  const s = Math.floor((now.getTime() - at.getTime()) / 1000);
  if (s <= 0) return 'now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

/**
 * The table of `deliveries providers`. A provider with no recent calls has no success rate or
 * latency (the response's 0 would read as "always fails, instantly"): `-` there. A provider
 * with no cost per message configured (`*_COST_RUPIAH` unset: 0) shows `not set` as its COST/MSG.
 * LAST ERROR is the latest failure with how long ago it was (`12m ago: connect ECONNREFUSED`):
 * it stays after the provider recovered (QA: a CLOSED breaker beside a bare error read as a
 * provider failing now).
 */
export function providerTable(res: gatewayv1.ListProvidersResponse, now = new Date()): string {
  return formatTable(
    [
      { header: 'CHANNEL' },
      { header: '#', align: 'right' },
      { header: 'PROVIDER' },
      { header: 'ENABLED' },
      { header: 'BREAKER' },
      { header: 'SUCCESS %', align: 'right' },
      { header: 'P50 MS', align: 'right' },
      { header: 'P99 MS', align: 'right' },
      { header: 'CALLS', align: 'right' },
      { header: 'COST/MSG', align: 'right' },
      { header: 'LAST ERROR', maxWidth: 40 },
    ],
    res.providers.map((p) => {
      const called = p.recentCalls > 0;
      return [
        channelLabel(p.channel),
        String(p.chainPosition),
        providerLabel(p.provider),
        p.enabled ? 'yes' : 'no',
        enumLabel(gatewayv1.BreakerState, 'BREAKER_STATE_', p.breakerState) + (p.pausedUntil ? `, paused until ${formatTime(p.pausedUntil)}` : ''),
        called ? formatNumber(p.successRatePercent) : '-',
        called ? formatNumber(p.latencyP50Ms, 0) : '-',
        called ? formatNumber(p.latencyP99Ms, 0) : '-',
        String(p.recentCalls),
        formatRupiah(p.costPerMessageRupiah) || COST_NOT_SET,
        p.lastError && p.lastFailureAt ? `${agoLabel(p.lastFailureAt, now)}: ${p.lastError}` : p.lastError,
      ];
    }),
  );
}

const providers: CommandSpec = {
  name: 'providers',
  summary: 'providers in failover order with breaker state, success rate and latency',
  service: 'gateway',
  async run({ clients }) {
    const res = await callUnary(clients.gateway, 'listProviders', {});
    return { json: gatewayv1.ListProvidersResponse.toJSON(res), text: providerTable(res) };
  },
};

/**
 * One streamed delivery event as a line: `09:15:07 WIB  sent        QUEUED → SENT  ticket_created
 * 6282291921583 (Budi)  whatsapp fonnte  <delivery id>` and, when there is one, the error (the
 * attempt's, else the delivery's last error) after `: `.
 */
export function deliveryEventLine(e: gatewayv1.DeliveryEvent): string {
  const d = e.delivery;
  const event = watchEventName(e);
  const from = e.previousStatus ? `${statusLabel(e.previousStatus)} → ` : '';
  const to = d ? statusLabel(d.status) : '';
  const who = d ? (d.recipientName ? `${d.recipient} (${d.recipientName})` : d.recipient) : '';
  const via = d ? [channelLabel(d.channel), d.provider ? deliveryProviderCell(d) : ''].filter(Boolean).join(' ') : '';
  const error = e.attempt?.error || (e.type === gatewayv1.DeliveryEventType.DELIVERY_EVENT_TYPE_FAILED ? d?.lastError : '') || '';
  const cells = [`${formatClock(e.occurredAt)} WIB`, event.padEnd(9), `${from}${to}`.padEnd(20), d ? notificationTypeLabel(d.notificationType) : '', who, via, d?.id ?? ''];
  return `${cells.join('  ')}${error ? `: ${error}` : ''}\n`;
}

/** The names `deliveries watch --event` takes: the five delivery events, and `withdrawn` apart from `failed`. */
const WATCH_EVENTS = ['queued', 'sent', 'delivered', 'read', 'failed', 'withdrawn'] as const;
type WatchEvent = (typeof WATCH_EVENTS)[number];

/**
 * A delivery event's name in `deliveries watch`: the event type in lower case, except that a
 * `failed` event of a delivery withdrawn unsent (status CANCELLED: its ticket moved on, an
 * opt-out, a channel switched off) is `withdrawn`, since nothing failed (QA: `--event failed`
 * showed the withdrawals among the failures).
 */
export function watchEventName(e: gatewayv1.DeliveryEvent): WatchEvent {
  if (e.type === gatewayv1.DeliveryEventType.DELIVERY_EVENT_TYPE_FAILED && e.delivery?.status === gatewayv1.DeliveryStatus.DELIVERY_STATUS_CANCELLED) return 'withdrawn';
  return enumLabel(gatewayv1.DeliveryEventType, 'DELIVERY_EVENT_TYPE_', e.type).toLowerCase() as WatchEvent;
}

/** `--event` values → the event types WatchDeliveries is asked for (`withdrawn` is a `failed` event) and the names kept. */
export function watchEventFilter(values: readonly string[]): { types: gatewayv1.DeliveryEventType[]; keep: (e: gatewayv1.DeliveryEvent) => boolean } {
  const names = values.map((v) => {
    const name = v.trim().toLowerCase();
    if (!(WATCH_EVENTS as readonly string[]).includes(name)) throw new UsageError(`--event: "${v}" is not one of ${WATCH_EVENTS.join(', ')}`);
    return name as WatchEvent;
  });
  if (!names.length) return { types: [], keep: () => true };
  const types = [...new Set(names.map((n) => parseEnum(gatewayv1.DeliveryEventType, 'DELIVERY_EVENT_TYPE_', 'event', n === 'withdrawn' ? 'failed' : n) as gatewayv1.DeliveryEventType))];
  return { types, keep: (e) => names.includes(watchEventName(e)) };
}

const watch: CommandSpec = {
  name: 'watch',
  summary: 'follow delivery events as they happen (queued, sent, delivered, read, failed, withdrawn) until Ctrl-C',
  service: 'gateway',
  options: {
    ticket: { type: 'string', valueName: 'ticket', description: 'only deliveries of this ticket: id or number (looked up in the ticket service)' },
    notification: { type: 'string', valueName: 'id', description: 'only deliveries of this notification (e.g. a broadcast\'s)' },
    event: { type: 'string', multiple: true, valueName: 'event', description: 'only these events: queued, sent, delivered, read, failed, withdrawn (repeatable or comma-separated)' },
    count: { type: 'string', valueName: 'n', description: 'stop after this many events' },
    for: { type: 'string', valueName: 'span', description: 'stop after this long (30s, 5m, 2h)' },
  },
  examples: ['notifyctl deliveries watch --ticket GGN-20261122-0001', 'notifyctl deliveries watch --event failed --json   # one JSON event per line'],
  async run({ args, clients, emit, signal }) {
    const events = watchEventFilter(args.list('event'));
    const count = args.string('count');
    const limit = count === undefined ? Number.POSITIVE_INFINITY : parseIntFlag('count', count, 1, 1_000_000);
    const span = args.string('for');
    const forMs = span === undefined ? undefined : parseDuration('for', span);
    const ticket = args.string('ticket');
    const ticketId = ticket ? await resolveTicketId(clients, ticket) : '';
    const req = gatewayv1.WatchDeliveriesRequest.fromPartial({ types: events.types, ticketId, notificationId: args.string('notification') ?? '' });
    let seen = 0;
    await new Promise<void>((resolve, reject) => {
      // No deadline (the clients' streams get 1 h): it runs until Ctrl-C, --count or --for.
      const call = clients.gateway.watchDeliveries(req, { deadline: Infinity });
      let done = false;
      const stop = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', stop);
        call.cancel();
        resolve();
      };
      const timer = forMs === undefined ? undefined : setTimeout(stop, forMs);
      signal.addEventListener('abort', stop);
      if (signal.aborted) stop();
      call.on('data', (res: gatewayv1.WatchDeliveriesResponse) => {
        if (done || !res.event || !events.keep(res.event)) return;
        seen++;
        emit({ json: gatewayv1.DeliveryEvent.toJSON(res.event), text: deliveryEventLine(res.event) });
        if (seen >= limit) stop();
      });
      call.on('error', (err: Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', stop);
        reject(fromGrpcError(err));
      });
      call.on('end', () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', stop);
        resolve();
      });
    });
    return { json: undefined, text: '', note: `${seen} event${seen === 1 ? '' : 's'}` };
  },
};

/** `notifyctl deliveries …`: the gateway's NotificationService. */
export const deliveriesGroup: CommandGroup = {
  name: 'deliveries',
  aliases: ['delivery'],
  summary: 'send, list, inspect, follow and retry deliveries; stats and providers (gateway service)',
  commands: [list, show, watch, retry, notify, stats, providers],
};

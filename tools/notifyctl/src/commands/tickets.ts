import { callUnary, isUuid } from '@notify/grpc-kit';
import { commonv1, customerv1, ticketv1 } from '@notify/proto';
import { enumLabel, parseEnum, parseIntFlag, parseTime, type ParsedArgs } from '../args';
import type { Clients } from '../clients';
import type { CommandGroup, CommandOutput, CommandSpec } from '../command';
import { callingService } from '../errors';
import { PAGE_OPTIONS, actorLabel, formatNumber, formatTime, nextPageHint, pageRequest, priorityLabel, priorityOf } from '../format';
import { formatRecord, formatTable } from '../table';
import { personIdOf, personNames } from './id-or-phone';

/** `gangguan` / `psb` (the seeds' words) accepted next to `disturbance` / `installation`. */
export const TICKET_TYPE_ALIASES = { gangguan: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE, psb: ticketv1.TicketType.TICKET_TYPE_INSTALLATION };

const typeLabel = (t: ticketv1.TicketType): string => enumLabel(ticketv1.TicketType, 'TICKET_TYPE_', t);
const statusLabel = (s: ticketv1.TicketStatus): string => enumLabel(ticketv1.TicketStatus, 'TICKET_STATUS_', s);

/**
 * The names of the staff members `ids` name (technicians of tickets), looked up with the
 * customer service's GetStaff once per distinct id, in parallel (ListStaff would not do: a
 * technician's key may not call it). Best effort: an id the service does not know, or a look-up
 * that fails (the service down, a key whose role may not read staff), is left out of the map,
 * so the caller shows the id.
 */
export function technicianNames(customer: customerv1.CustomerServiceClient, ids: readonly string[]): Promise<Map<string, string>> {
  return personNames(customer, 'staff', ids);
}

/**
 * The ticket table of `tickets list`: the TECHNICIAN column shows the technician's name from
 * `names` (technicianNames), the staff id when it has none.
 */
export function ticketTable(tickets: readonly ticketv1.Ticket[], names: ReadonlyMap<string, string> = new Map()): string {
  return formatTable(
    [
      { header: 'ID' },
      { header: 'NUMBER' },
      { header: 'TYPE' },
      { header: 'STATUS' },
      { header: 'PRIORITY' },
      { header: 'ZONE' },
      { header: 'TECHNICIAN' },
      { header: 'SLA DUE' },
      { header: 'TITLE', maxWidth: 40 },
    ],
    tickets.map((t) => [t.id, t.number, typeLabel(t.type), statusLabel(t.status), priorityLabel(t.priority), t.workZone, names.get(t.technicianId) ?? t.technicianId, formatTime(t.slaDueAt), t.title]),
  );
}

/**
 * One ticket as label/value lines; the technician as `name (staff id)` when `technicianName`
 * is given, else the id; the customer likewise with `customerName`.
 */
export function ticketRecord(t: ticketv1.Ticket | undefined, technicianName?: string, customerName?: string): string {
  if (!t) return '';
  return formatRecord([
    ['ID', t.id],
    ['Number', t.number],
    ['Type', typeLabel(t.type)],
    ['Status', statusLabel(t.status)],
    ['Priority', priorityLabel(t.priority)],
    ['Customer', t.customerId && customerName ? `${customerName} (${t.customerId})` : t.customerId],
    ['Technician', t.technicianId && technicianName ? `${technicianName} (${t.technicianId})` : t.technicianId],
    ['Title', t.title],
    ['Description', t.description],
    ['Address', t.address],
    ['Work zone', t.workZone],
    ['SLA due', formatTime(t.slaDueAt)],
    ['Escalation', t.escalationLevel > 0 ? `level ${t.escalationLevel}: ${t.escalationReason}` : ''],
    ['Completion', t.completionNotes],
    ['Cancel reason', t.cancelReason],
    ['Created', `${formatTime(t.createdAt)}${t.createdBy ? ` by ${actorLabel(t.createdBy)}` : ''}`],
    ['Updated', formatTime(t.updatedAt)],
    ['Version', String(t.version)],
  ]);
}

/**
 * A ticket response as the record, its technician and customer named (technicianNames, GetCustomer;
 * the id when unknown or the customer service fails: QA, the customer showed as a bare id). With
 * --json (the response as it is) nothing is looked up.
 */
/** A customer's name for a record (GetCustomer), undefined when unknown or the look-up fails (the record then shows the id). */
function customerNameOf(clients: Clients, id: string): Promise<string | undefined> {
  return callUnary(clients.customer, 'getCustomer', { id, phone: '', includeOptOuts: false }).then((r) => r.customer?.name, () => undefined);
}

async function ticketOutput(args: ParsedArgs, clients: Clients, res: { ticket?: ticketv1.Ticket | undefined }, json: unknown): Promise<CommandOutput> {
  const id = args.flag('json') ? '' : (res.ticket?.technicianId ?? '');
  const customerId = args.flag('json') ? '' : (res.ticket?.customerId ?? '');
  const [names, customerName] = await Promise.all([
    id ? technicianNames(clients.customer, [id]) : Promise.resolve(new Map<string, string>()),
    customerId
      ? customerNameOf(clients, customerId)
      : Promise.resolve(undefined),
  ]);
  return { json, text: ticketRecord(res.ticket, names.get(id), customerName) };
}

/**
 * The stderr note of `tickets assign` when the technician's work zones leave out the ticket's
 * zone (QA: the WhatsApp take, "1", refuses that; a dispatcher's assignment goes through, so the
 * operator is told). Undefined when they work there or cover every zone (no work zones).
 */
export function zoneMismatchNote(staff: Pick<customerv1.Staff, 'name' | 'id' | 'workZones'>, zone: string): string | undefined {
  if (!staff.workZones.length || !zone) return undefined;
  if (staff.workZones.some((z) => z.toLowerCase() === zone.toLowerCase())) return undefined;
  return `note: ${staff.name || staff.id} does not work in zone "${zone}" (their zones: ${staff.workZones.join(', ')})`;
}


/**
 * The ticket id for a command's `<ticket>` argument or `--ticket` flag: a UUID as given, or a
 * ticket number (`GGN-20261122-0001`) looked up with the ticket service's GetTicket first (the
 * transition RPCs, ListDeliveries and Notify take ids only). Rejects with the lookup's
 * NOT_FOUND for a value that is neither a UUID nor an existing ticket's number, and with its
 * UNAVAILABLE / DEADLINE_EXCEEDED naming the ticket service (callingService), also when the
 * command itself calls another service.
 */
export async function resolveTicketId(clients: Clients, idOrNumber: string): Promise<string> {
  const v = idOrNumber.trim();
  if (isUuid(v)) return v;
  const res = await callingService('ticket', () => callUnary(clients.ticket, 'getTicket', { id: v }));
  return res.ticket?.id ?? v;
}

function expectedVersion(args: ParsedArgs): number {
  const v = args.string('expected-version');
  return v === undefined ? 0 : parseIntFlag('expected-version', v, 1, 2_147_483_647);
}

const EXPECTED_VERSION = { type: 'string', valueName: 'n', description: 'fail with ABORTED unless the ticket is at this version' } as const;

const create: CommandSpec = {
  name: 'create',
  summary: 'create a ticket (OPEN, with number and SLA deadline)',
  service: 'ticket',
  options: {
    type: { type: 'string', required: true, valueName: 'type', description: 'disturbance (gangguan) or installation (psb)' },
    customer: { type: 'string', required: true, valueName: 'id-or-phone', description: 'customer: id (UUID) or phone, looked up in the customer service' },
    title: { type: 'string', required: true, valueName: 'text', description: 'short summary (1..200 characters)' },
    address: { type: 'string', required: true, valueName: 'text', description: 'service address' },
    zone: { type: 'string', required: true, valueName: 'slug', description: 'work zone, e.g. karawang' },
    description: { type: 'string', valueName: 'text', description: 'problem description' },
    priority: { type: 'string', valueName: 'p', description: 'low, normal (default), high, urgent' },
    'request-id': { type: 'string', valueName: 'key', description: 'idempotency key: a retry with the same key returns the first ticket' },
  },
  examples: ['notifyctl tickets create --type gangguan --customer 0812-3456-7890 --title "Internet mati" --address "Jl. Melati 5" --zone karawang --priority high'],
  async run({ args, clients }) {
    const req: ticketv1.CreateTicketRequest = {
      type: parseEnum(ticketv1.TicketType, 'TICKET_TYPE_', 'type', args.required('type'), TICKET_TYPE_ALIASES),
      customerId: '',
      title: args.required('title'),
      description: args.string('description') ?? '',
      address: args.required('address'),
      workZone: args.required('zone'),
      priority: priorityOf(args),
      requestId: args.string('request-id') ?? '',
      actor: undefined,
    };
    // After the flags are checked (a usage error calls nothing): a phone is looked up.
    req.customerId = await personIdOf(clients, 'customer', args.required('customer'));
    const res = await callUnary(clients.ticket, 'createTicket', req);
    const out = await ticketOutput(args, clients, res, ticketv1.CreateTicketResponse.toJSON(res));
    const offered = res.ticket && !res.replayed ? await nobodyOfferedNote(clients.customer, res.ticket.workZone) : undefined;
    const replayed = res.replayed && res.ticket ? `note: --request-id ${args.string('request-id')} was used before: this is the ticket it created (${res.ticket.number}); nothing new was created` : undefined;
    const note = [replayed, offered].filter(Boolean).join('\n');
    return note ? { ...out, note } : out;
  },
};

/**
 * The stderr note after `tickets create` when nobody gets the job offer: no active technician
 * works in the ticket's zone (nor in every zone) and no active technicians' group of the zone takes
 * ticket.created (its notification types empty or naming it) (QA: `--zone karwang` was accepted
 * and only the customer heard of the ticket). `outcome` says what that means for the caller
 * (default: a ticket just created). Best effort:
 * undefined when someone does, or when the look-up fails (e.g. a key whose role may not list staff).
 */
export async function nobodyOfferedNote(
  customer: customerv1.CustomerServiceClient, zone: string, outcome = 'nobody was offered this job',
): Promise<string | undefined> {
  try {
    const [staff, groups] = await Promise.all([
      callUnary(customer, 'listStaff', { roles: [commonv1.Role.ROLE_TECHNICIAN], workZone: zone, activeOnly: true, page: { pageSize: 1, pageToken: '' } }),
      callUnary(customer, 'listGroups', { categories: [customerv1.GroupCategory.GROUP_CATEGORY_TECHNICIANS], workZone: zone, activeOnly: true, page: { pageSize: 500, pageToken: '' } }),
    ]);
    // A group limited to other types (notification_types without TICKET_CREATED) gets no job offer (QA).
    const offeredGroup = groups.groups.some((g) => g.notificationTypes.length === 0 || g.notificationTypes.includes(commonv1.NotificationType.NOTIFICATION_TYPE_TICKET_CREATED));
    if (staff.staff.length > 0 || offeredGroup) return undefined;
    return `note: no active technician or technicians' group works in zone "${zone}": ${outcome} (a misspelled zone? notifyctl staff list --role technician shows the zones)`;
  } catch {
    return undefined;
  }
}

const get: CommandSpec = {
  name: 'get',
  summary: 'show one ticket and its history',
  service: 'ticket',
  positionals: [{ name: 'id', description: 'ticket id (UUID) or number (GGN-20261122-0001)' }],
  async run({ args, clients }) {
    const res = await callUnary(clients.ticket, 'getTicket', { id: args.positional(0) });
    const history = formatTable(
      [{ header: 'AT' }, { header: 'EVENT' }, { header: 'FROM' }, { header: 'TO' }, { header: 'BY' }, { header: 'NOTE', maxWidth: 50 }],
      res.history.map((h) => [
        formatTime(h.occurredAt),
        enumLabel(ticketv1.TicketEventType, 'TICKET_EVENT_TYPE_', h.type),
        statusLabel(h.fromStatus),
        statusLabel(h.toStatus),
        actorLabel(h.actor),
        h.note,
      ]),
    );
    const record = await ticketOutput(args, clients, res, undefined);
    return { json: ticketv1.GetTicketResponse.toJSON(res), text: `${record.text}\nHistory:\n${history}` };
  },
};

const list: CommandSpec = {
  name: 'list',
  summary: 'list tickets (newest first), filtered',
  service: 'ticket',
  options: {
    status: { type: 'string', multiple: true, valueName: 'status', description: 'open, assigned, in_progress, completed, cancelled (repeat or comma-separate)' },
    type: { type: 'string', multiple: true, valueName: 'type', description: 'disturbance (gangguan), installation (psb)' },
    priority: { type: 'string', multiple: true, valueName: 'p', description: 'low, normal, high, urgent' },
    zone: { type: 'string', valueName: 'slug', description: 'work zone' },
    technician: { type: 'string', valueName: 'id-or-phone', description: 'assigned technician: staff id (UUID) or phone, looked up in the customer service' },
    customer: { type: 'string', valueName: 'id-or-phone', description: 'customer: id (UUID) or phone, looked up in the customer service' },
    order: { type: 'string', valueName: 'order', description: 'created (newest first, default) or sla (nearest SLA deadline first)' },
    ...PAGE_OPTIONS,
  },
  async run({ args, clients }) {
    const order = args.string('order');
    const orderBy =
      order === undefined ? ticketv1.TicketOrder.TICKET_ORDER_UNSPECIFIED : parseEnum(ticketv1.TicketOrder, 'TICKET_ORDER_', 'order', order, { created: 1, sla: 2 });
    const req: ticketv1.ListTicketsRequest = {
      statuses: args.list('status').map((s) => parseEnum(ticketv1.TicketStatus, 'TICKET_STATUS_', 'status', s)),
      types: args.list('type').map((s) => parseEnum(ticketv1.TicketType, 'TICKET_TYPE_', 'type', s, TICKET_TYPE_ALIASES)),
      priorities: args.list('priority').map((s) => parseEnum(commonv1.Priority, 'PRIORITY_', 'priority', s)),
      workZone: args.string('zone') ?? '',
      technicianId: '',
      customerId: '',
      slaDue: undefined,
      created: undefined,
      orderBy,
      page: pageRequest(args),
    };
    // After the flags are checked (a usage error calls nothing): phones are looked up.
    const technician = args.string('technician');
    const customer = args.string('customer');
    [req.technicianId, req.customerId] = await Promise.all([
      technician === undefined ? '' : personIdOf(clients, 'staff', technician),
      customer === undefined ? '' : personIdOf(clients, 'customer', customer),
    ]);
    const res = await callUnary(clients.ticket, 'listTickets', req);
    const names = args.flag('json') ? new Map<string, string>() : await technicianNames(clients.customer, res.tickets.map((t) => t.technicianId));
    return { json: ticketv1.ListTicketsResponse.toJSON(res), text: ticketTable(res.tickets, names) + nextPageHint(res.nextPageToken) };
  },
};

const assign: CommandSpec = {
  name: 'assign',
  summary: 'assign a technician (OPEN ticket; --reassign for an ASSIGNED one)',
  service: 'ticket',
  positionals: [{ name: 'ticket', description: 'ticket id (UUID) or number (GGN-20261122-0001)' }],
  options: {
    technician: { type: 'string', required: true, valueName: 'id-or-phone', description: 'technician: staff id (UUID) or phone, looked up in the customer service' },
    reassign: { type: 'boolean', description: 'move an ASSIGNED ticket to another technician' },
    'expected-version': EXPECTED_VERSION,
  },
  async run({ args, clients }) {
    const request = { reassign: args.flag('reassign'), expectedVersion: expectedVersion(args) };
    // After the flags are checked (a usage error calls nothing): the ticket number and the technician's phone are looked up.
    const [ticketId, technicianId] = await Promise.all([
      resolveTicketId(clients, args.positional(0)),
      personIdOf(clients, 'staff', args.required('technician')),
    ]);
    const res = await callUnary(clients.ticket, 'assignTicket', { ticketId, technicianId, ...request, actor: undefined });
    // The technician once (best effort): their name for the record, their zones for the note; the
    // customer's name as every single-ticket command gives it (QA: assign printed the bare id).
    const t = res.ticket;
    const [staff, customerName] = t && !args.flag('json')
      ? await Promise.all([
        t.technicianId ? callUnary(clients.customer, 'getStaff', { id: t.technicianId, phone: '', includeOptOuts: false }).then((r) => r.staff, () => undefined) : undefined,
        t.customerId ? customerNameOf(clients, t.customerId) : undefined,
      ])
      : [undefined, undefined];
    const note = staff && t ? zoneMismatchNote(staff, t.workZone) : undefined;
    return { json: ticketv1.AssignTicketResponse.toJSON(res), text: ticketRecord(t, staff?.name || undefined, customerName), ...(note ? { note } : {}) };
  },
};

const start: CommandSpec = {
  name: 'start',
  summary: 'ASSIGNED → IN_PROGRESS',
  service: 'ticket',
  positionals: [{ name: 'ticket', description: 'ticket id (UUID) or number (GGN-20261122-0001)' }],
  options: { 'expected-version': EXPECTED_VERSION },
  async run({ args, clients }) {
    const version = expectedVersion(args);
    const res = await callUnary(clients.ticket, 'startTicket', { ticketId: await resolveTicketId(clients, args.positional(0)), expectedVersion: version, actor: undefined });
    return ticketOutput(args, clients, res, ticketv1.StartTicketResponse.toJSON(res));
  },
};

const complete: CommandSpec = {
  name: 'complete',
  summary: 'IN_PROGRESS → COMPLETED, with notes for the customer',
  service: 'ticket',
  positionals: [{ name: 'ticket', description: 'ticket id (UUID) or number (GGN-20261122-0001)' }],
  options: { notes: { type: 'string', valueName: 'text', description: 'completion notes (0..2000 characters)' }, 'expected-version': EXPECTED_VERSION },
  async run({ args, clients }) {
    const request = { notes: args.string('notes') ?? '', expectedVersion: expectedVersion(args) };
    const res = await callUnary(clients.ticket, 'completeTicket', {
      ticketId: await resolveTicketId(clients, args.positional(0)),
      ...request,
      actor: undefined,
    });
    return ticketOutput(args, clients, res, ticketv1.CompleteTicketResponse.toJSON(res));
  },
};

const cancel: CommandSpec = {
  name: 'cancel',
  summary: 'cancel an OPEN / ASSIGNED / IN_PROGRESS ticket',
  service: 'ticket',
  positionals: [{ name: 'ticket', description: 'ticket id (UUID) or number (GGN-20261122-0001)' }],
  options: { reason: { type: 'string', required: true, valueName: 'text', description: 'why (shown to the customer)' }, 'expected-version': EXPECTED_VERSION },
  async run({ args, clients }) {
    const request = { reason: args.required('reason'), expectedVersion: expectedVersion(args) };
    const res = await callUnary(clients.ticket, 'cancelTicket', {
      ticketId: await resolveTicketId(clients, args.positional(0)),
      ...request,
      actor: undefined,
    });
    return ticketOutput(args, clients, res, ticketv1.CancelTicketResponse.toJSON(res));
  },
};

const escalate: CommandSpec = {
  name: 'escalate',
  summary: 'raise the escalation level (1 supervisor, 2 manager)',
  service: 'ticket',
  positionals: [{ name: 'ticket', description: 'ticket id (UUID) or number (GGN-20261122-0001)' }],
  options: {
    reason: { type: 'string', required: true, valueName: 'text', description: 'why, e.g. "SLA terlewati"' },
    level: { type: 'string', valueName: '1|2', description: 'target level (default: current + 1)' },
    'expected-version': EXPECTED_VERSION,
  },
  async run({ args, clients }) {
    const level = args.string('level');
    const request = {
      reason: args.required('reason'),
      level: level === undefined ? 0 : parseIntFlag('level', level, 1, 2),
      expectedVersion: expectedVersion(args),
    };
    const res = await callUnary(clients.ticket, 'escalateTicket', {
      ticketId: await resolveTicketId(clients, args.positional(0)),
      ...request,
      actor: undefined,
    });
    const out = await ticketOutput(args, clients, res, ticketv1.EscalateTicketResponse.toJSON(res));
    const note = res.ticket ? await nobodyToldOfEscalationNote(clients.customer, res.ticket) : undefined;
    return note ? { ...out, note } : out;
  },
};

/**
 * ` (left out: Budi: opted out; 6281…: not found; …)`: the first three of a resolution's
 * left-out recipients, by name (or id, or phone) and reason; '' when there are none.
 */
export function leftOutSummary(leftOut: readonly customerv1.LeftOutRecipient[]): string {
  if (leftOut.length === 0) return '';
  const named = leftOut.slice(0, 3).map((l) => `${l.name || l.id || l.address}: ${enumLabel(customerv1.LeftOutReason, 'LEFT_OUT_REASON_', l.reason).toLowerCase().replace(/_/g, ' ')}`);
  return ` (left out: ${named.join('; ')}${leftOut.length > 3 ? '; …' : ''})`;
}

/**
 * The stderr note of `tickets escalate` when the escalation reaches nobody: the customer
 * service's resolution of `ticket.escalated` at the ticket's new level (its routing rules: level
 * 1 the zone's supervisors and supervisors' group, level 2 the managers, by default) names no
 * one it would message (an escalation to level 2 with no manager on record printed plain
 * success). Best effort: undefined when someone is told, or when the look-up fails (a key
 * whose role may not resolve recipients).
 */
export async function nobodyToldOfEscalationNote(customer: customerv1.CustomerServiceClient, t: ticketv1.Ticket): Promise<string | undefined> {
  try {
    const res = await callUnary(customer, 'resolveRecipients', customerv1.ResolveRecipientsRequest.fromPartial({
      notificationType: commonv1.NotificationType.NOTIFICATION_TYPE_TICKET_ESCALATED,
      context: {
        ticketId: t.id, customerId: t.customerId, technicianId: t.technicianId, workZone: t.workZone, ticketType: t.type,
        escalationLevel: t.escalationLevel, priority: t.priority,
      },
      page: { pageSize: 200, pageToken: '' },
    }));
    // Someone is told, or more to read than one page: not this note's case.
    if (res.recipients.length > 0 || res.nextPageToken) return undefined;
    return `note: nobody is told of this escalation to level ${t.escalationLevel}: its routing rules reach no active staff member or group in zone "${t.workZone}"${leftOutSummary(res.leftOut)} (notifyctl routing list --type ticket.escalated; notifyctl staff list)`;
  } catch {
    return undefined;
  }
}

/** A duration given in hours as an operator reads it: minutes under an hour (`25 min`), else hours (`2.5 h`). */
export function hoursLabel(hours: number): string {
  return hours > 0 && hours < 1 ? `${Math.round(hours * 60)} min` : `${formatNumber(hours)} h`;
}

const stats: CommandSpec = {
  name: 'stats',
  summary: 'counts, SLA compliance and technician performance over a window',
  service: 'ticket',
  options: {
    from: { type: 'string', valueName: 'time', description: 'window start: ISO 8601, or a span ago like 24h, 7d (default 24h)' },
    to: { type: 'string', valueName: 'time', description: 'window end (default now)' },
    zone: { type: 'string', valueName: 'slug', description: 'only this work zone' },
  },
  async run({ args, clients, now }) {
    const res = await callUnary(clients.ticket, 'getTicketStats', {
      from: parseTime('from', args.string('from') ?? '24h', now),
      to: parseTime('to', args.string('to') ?? 'now', now),
      workZone: args.string('zone') ?? '',
    });
    const s = res.stats;
    let text = '';
    if (s) {
      text += formatRecord([
        ['Window', `${formatTime(s.from)} – ${formatTime(s.to)}${s.workZone ? ` (${s.workZone})` : ''}`],
        ['Total', String(s.total)],
        // Not the daily summary's "Open" (status OPEN only): every ticket not yet closed (QA).
        ['Not closed now', `${s.open} (open, assigned or in progress, created at any time)`],
        ['Completed', String(s.completed)],
        ['Overdue', String(s.overdue)],
        ['SLA met', `${s.slaMet} (${formatNumber(s.slaCompliancePercent)}%)`],
        ['Mean time to resolve', hoursLabel(s.meanTimeToResolveHours)],
      ]);
      text += '\n' + formatTable(
        [{ header: 'TYPE' }, { header: 'STATUS' }, { header: 'COUNT', align: 'right' }],
        s.counts.map((c) => [typeLabel(c.type), statusLabel(c.status), String(c.count)]),
      );
      if (s.technicians.length) {
        // Names from the customer service (best effort: an id it does not know, or the service
        // down, shows the id).
        const names = await technicianNames(clients.customer, s.technicians.map((t) => t.technicianId));
        text += '\n' + formatTable(
          [
            { header: 'TECHNICIAN' },
            { header: 'COMPLETED', align: 'right' },
            { header: 'SLA %', align: 'right' },
            { header: 'MTTR', align: 'right' },
            { header: 'OPEN ASSIGNED', align: 'right' },
          ],
          s.technicians.map((t) => [names.get(t.technicianId) ?? t.technicianId, String(t.completed), formatNumber(t.slaCompliancePercent), hoursLabel(t.meanTimeToResolveHours), String(t.openAssigned)]),
        );
      }
    }
    return { json: ticketv1.GetTicketStatsResponse.toJSON(res), text };
  },
};

/** `notifyctl tickets …`: the TicketService lifecycle. */
export const ticketsGroup: CommandGroup = {
  name: 'tickets',
  aliases: ['ticket'],
  summary: 'create, list and move tickets through their lifecycle (ticket service)',
  commands: [create, get, list, assign, start, complete, cancel, escalate, stats],
};

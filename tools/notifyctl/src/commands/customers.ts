import { callUnary } from '@notify/grpc-kit';
import { commonv1, customerv1, ticketv1 } from '@notify/proto';
import { enumLabel, parseEnum, UsageError } from '../args';
import type { CommandGroup, CommandSpec } from '../command';
import { PAGE_OPTIONS, channelLabel, channelOf, formatTime, localeOf, nextPageHint, notificationTypeLabel, pageRequest, roleLabel } from '../format';
import { formatRecord, formatTable } from '../table';
import { idOrPhone, personIdOf } from './id-or-phone';
import { nobodyOfferedNote } from './tickets';
import { invoiceCancel, invoicePaid, listInvoices } from './invoices';
import { createInvoice, customerPreferences, staffPreferences } from './preferences';

export { idOrPhone } from './id-or-phone';

const customerStatus = (s: customerv1.CustomerStatus): string => enumLabel(customerv1.CustomerStatus, 'CUSTOMER_STATUS_', s);

/**
 * The `Opted out` line of `customers get` / `staff get`: each channel the phone opted out of,
 * with the reason and since when (`WhatsApp (STOP reply, since …); SMS (…)`), or `no`.
 */
export function optOutsLabel(optOuts: readonly customerv1.OptOut[]): string {
  if (!optOuts.length) return 'no';
  return optOuts
    .map((o) => {
      const channel = o.channel === commonv1.Channel.CHANNEL_UNSPECIFIED ? 'every channel' : channelLabel(o.channel);
      return `${channel} (${o.reason ? `${o.reason}, ` : ''}since ${formatTime(o.createdAt)})`;
    })
    .join('; ');
}

/**
 * `customers opt-out`'s answer: the phone, then one line per channel with since when and why
 * (`WHATSAPP: since 2026-12-07 19:42 WIB (Minta berhenti via telepon)`). A channel opted out of
 * before keeps its earlier time and reason (QA: an opt-out of every channel showed the
 * WhatsApp record's reason and time as the new one's).
 */
export function optOutRecord(optOuts: readonly customerv1.OptOut[]): string {
  if (!optOuts.length) return '';
  return formatRecord([
    ['Phone', optOuts[0]!.phone],
    ...optOuts.map((o): [string, string] => [channelLabel(o.channel), `opted out since ${formatTime(o.createdAt)}${o.reason ? ` (${o.reason})` : ''}`]),
  ]);
}

function customerRecord(c: customerv1.Customer | undefined, optOuts?: readonly customerv1.OptOut[]): string {
  if (!c) return '';
  return formatRecord([
    ['ID', c.id],
    ['Name', c.name],
    ['Phone', c.phone],
    ['Status', customerStatus(c.status)],
    ['Address', c.address],
    ['Work zone', c.workZone],
    ['Package', c.packageName],
    ['Wants installation', c.wantsInstallation ? 'yes' : 'no'],
    ['Created', formatTime(c.createdAt)],
    ['Activated', formatTime(c.activatedAt)],
    ...(c.suspendedAt
      ? ([
        ['Suspended', `${formatTime(c.suspendedAt)}${c.suspendedBy ? ` by ${c.suspendedBy}` : ''}`],
        ['Suspension reason', c.suspensionReason],
      ] as [string, string][])
      : []),
    ...(optOuts ? [['Opted out', optOutsLabel(optOuts)] as [string, string]] : []),
  ]);
}

function staffRecord(s: customerv1.Staff | undefined, optOuts?: readonly customerv1.OptOut[]): string {
  if (!s) return '';
  return formatRecord([
    ['ID', s.id],
    ['Name', s.name],
    ['Phone', s.phone],
    ['Role', roleLabel(s.role)],
    ['Work zones', s.workZones.length ? s.workZones.join(', ') : 'every zone'],
    ['Active', s.active ? 'yes' : 'no'],
    ['Created', formatTime(s.createdAt)],
    ...(optOuts && s.phone ? [['Opted out', optOutsLabel(optOuts)] as [string, string]] : []),
  ]);
}

const register: CommandSpec = {
  name: 'register',
  summary: 'register a customer (PENDING; with --installation a PSB ticket follows)',
  service: 'customer',
  options: {
    name: { type: 'string', required: true, valueName: 'text', description: 'full name' },
    phone: { type: 'string', required: true, valueName: 'phone', description: 'any common form (0812…, +62 812…, 62812…); normalized by the service' },
    address: { type: 'string', required: true, valueName: 'text', description: 'service address' },
    zone: { type: 'string', required: true, valueName: 'slug', description: 'work zone, e.g. karawang' },
    package: { type: 'string', required: true, valueName: 'name', description: 'internet package name, e.g. "Home 30 Mbps"' },
    installation: { type: 'boolean', description: 'the customer wants an installation (PSB ticket)' },
    locale: { type: 'string', valueName: 'id|en', description: 'message language (default id; en: the ticket SMS in English, WhatsApp texts stay Indonesian)' },
    'request-id': { type: 'string', valueName: 'key', description: 'idempotency key: a retry with the same key returns the first customer (no second registration event)' },
  },
  async run({ args, clients }) {
    const res = await callUnary(clients.customer, 'registerCustomer', {
      name: args.required('name'),
      phone: args.required('phone'),
      address: args.required('address'),
      workZone: args.required('zone'),
      packageName: args.required('package'),
      wantsInstallation: args.flag('installation'),
      locale: localeOf(args),
      actor: undefined,
      requestId: args.string('request-id') ?? '',
    });
    // The zone as stored (the service makes a slug of it: "Karawang Barat" → karawang-barat); a
    // zone no technician works in is said so (QA: registered silently, its tickets offered to nobody).
    const c = res.customer;
    const installation = args.flag('installation');
    const zoneNote = c
      ? await nobodyOfferedNote(clients.customer, c.workZone, installation ? 'its installation (PSB) ticket will be offered to nobody' : "this customer's tickets will be offered to nobody")
      : undefined;
    // The PSB ticket is the ticket service's answer to the registration event: shown when it
    // appears within PSB_TICKET_WAIT_MS (QA: the operator was left to look for it).
    const psb = installation && c ? await installationTicketOf(clients.ticket, c.id) : undefined;
    const psbNote = installation && c && !psb
      ? `note: the installation (PSB) ticket had not appeared after ${PSB_TICKET_WAIT_MS / 1000} s (the ticket service opens it from the registration event); look for it with: notifyctl tickets list --customer ${c.id}`
      : undefined;
    const replayed = res.replayed && c ? `note: --request-id ${args.string('request-id')} was used before: this is the customer it registered; nothing new was stored` : undefined;
    const note = [replayed, zoneNote, psbNote].filter(Boolean).join('\n');
    const text = customerRecord(c) + (psb ? `\nInstallation ticket ${psb.number} (${enumLabel(ticketv1.TicketStatus, 'TICKET_STATUS_', psb.status)}) opened: the customer is told "TIKET PSB DITERIMA".\n` : '');
    return { json: customerv1.RegisterCustomerResponse.toJSON(res), text, ...(note ? { note } : {}) };
  },
};

/** How long `customers register --installation` waits for the PSB ticket to appear, ms. */
const PSB_TICKET_WAIT_MS = 3_000;

/**
 * The customer's PSB ticket once the ticket service opened it (it does so on the
 * `customer.registered` event), polled every 200 ms for up to `waitMs` (default
 * {@link PSB_TICKET_WAIT_MS}); undefined when it did not appear in time or the ticket service
 * could not be asked.
 */
export async function installationTicketOf(ticket: ticketv1.TicketServiceClient, customerId: string, waitMs = PSB_TICKET_WAIT_MS): Promise<ticketv1.Ticket | undefined> {
  const until = Date.now() + waitMs;
  for (;;) {
    const found = await callUnary(ticket, 'listTickets', ticketv1.ListTicketsRequest.fromPartial({ customerId, types: [ticketv1.TicketType.TICKET_TYPE_INSTALLATION] })).then((r) => r.tickets[0], () => undefined);
    if (found || Date.now() >= until) return found;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const getCustomer: CommandSpec = {
  name: 'get',
  summary: 'show one customer by id or phone, with the phone\'s opt-outs',
  service: 'customer',
  positionals: [{ name: 'id-or-phone', description: 'customer id (UUID) or phone number' }],
  async run({ args, clients }) {
    const res = await callUnary(clients.customer, 'getCustomer', { ...idOrPhone(args.positional(0)), includeOptOuts: true });
    return { json: customerv1.GetCustomerResponse.toJSON(res), text: customerRecord(res.customer, res.optOuts) };
  },
};

const listCustomers: CommandSpec = {
  name: 'list',
  summary: 'list customers',
  service: 'customer',
  options: {
    zone: { type: 'string', valueName: 'slug', description: 'work zone' },
    status: { type: 'string', multiple: true, valueName: 'status', description: 'pending, active, suspended' },
    query: { type: 'string', valueName: 'text', description: 'name or phone contains' },
    ...PAGE_OPTIONS,
  },
  async run({ args, clients }) {
    const res = await callUnary(clients.customer, 'listCustomers', {
      workZone: args.string('zone') ?? '',
      statuses: args.list('status').map((s) => parseEnum(customerv1.CustomerStatus, 'CUSTOMER_STATUS_', 'status', s)),
      query: args.string('query') ?? '',
      page: pageRequest(args),
    });
    const text = formatTable(
      [{ header: 'ID' }, { header: 'NAME', maxWidth: 30 }, { header: 'PHONE' }, { header: 'STATUS' }, { header: 'ZONE' }, { header: 'PACKAGE' }, { header: 'CREATED' }],
      res.customers.map((c) => [c.id, c.name, c.phone, customerStatus(c.status), c.workZone, c.packageName, formatTime(c.createdAt)]),
    );
    return { json: customerv1.ListCustomersResponse.toJSON(res), text: text + nextPageHint(res.nextPageToken) };
  },
};

const optOut: CommandSpec = {
  name: 'opt-out',
  summary: 'stop notifying a phone on a channel (as its STOP reply does)',
  service: 'customer',
  options: {
    phone: { type: 'string', required: true, valueName: 'phone', description: 'any common form; normalized by the service' },
    channel: { type: 'string', valueName: 'whatsapp|sms', description: 'channel (default: every channel)' },
    reason: { type: 'string', valueName: 'text', description: 'why, kept with the opt-out (at most 500 characters)' },
  },
  async run({ args, clients }) {
    const res = await callUnary(clients.customer, 'optOut', { phone: args.required('phone'), channel: channelOf(args), reason: args.string('reason') ?? '' });
    return { json: customerv1.OptOutResponse.toJSON(res), text: optOutRecord(res.optOuts.length ? res.optOuts : res.optOut ? [res.optOut] : []) };
  },
};

const optIn: CommandSpec = {
  name: 'opt-in',
  summary: 'lift a phone\'s opt-out (as its MULAI reply does)',
  service: 'customer',
  options: {
    phone: { type: 'string', required: true, valueName: 'phone', description: 'any common form; normalized by the service' },
    channel: { type: 'string', valueName: 'whatsapp|sms', description: 'channel (default: every channel)' },
  },
  async run({ args, clients }) {
    const channel = channelOf(args);
    const res = await callUnary(clients.customer, 'optIn', { phone: args.required('phone'), channel });
    // Which channel it is notified on again (QA: "it is notified again" while WhatsApp stayed opted out).
    const where = channel === commonv1.Channel.CHANNEL_UNSPECIFIED ? 'every channel' : channelLabel(channel);
    const text = res.lifted > 0 ? `${res.phone}: ${res.lifted} opt-out(s) lifted; it is notified on ${where} again\n` : `${res.phone}: had no opt-out there; nothing changed\n`;
    return { json: customerv1.OptInResponse.toJSON(res), text };
  },
};

const optOuts: CommandSpec = {
  name: 'opt-outs',
  summary: 'show any phone\'s opt-outs (a customer\'s, a staff member\'s, or one only a notify reached)',
  service: 'customer',
  positionals: [{ name: 'phone', description: 'phone number in any common form' }],
  async run({ args, clients }) {
    const res = await callUnary(clients.customer, 'getOptOuts', { phone: args.positional(0) });
    return { json: customerv1.GetOptOutsResponse.toJSON(res), text: formatRecord([['Phone', res.phone], ['Opted out', optOutsLabel(res.optOuts)]]) };
  },
};

const activate: CommandSpec = {
  name: 'activate',
  summary: 'activate a customer (PENDING or SUSPENDED → ACTIVE: broadcasts and campaigns reach them; the first activation sends the welcome)',
  service: 'customer',
  positionals: [{ name: 'id-or-phone', description: 'customer id (UUID) or phone number' }],
  async run({ args, clients }) {
    // ActivateCustomer takes an id: a phone is looked up first (NOT_FOUND when nobody has it).
    const id = await personIdOf(clients, 'customer', args.positional(0));
    const res = await callUnary(clients.customer, 'activateCustomer', { customerId: id, actor: undefined });
    return { json: customerv1.ActivateCustomerResponse.toJSON(res), text: customerRecord(res.customer) };
  },
};

/** `customers update`'s flags → UpdateCustomer's mask paths and Customer fields. */
const CUSTOMER_UPDATE_FLAGS = [
  ['name', 'name', 'name'],
  ['phone', 'phone', 'phone'],
  ['address', 'address', 'address'],
  ['zone', 'work_zone', 'workZone'],
  ['package', 'package_name', 'packageName'],
] as const;

const updateCustomer: CommandSpec = {
  name: 'update',
  summary: 'change a customer\'s name, phone, address, zone or package: only the flags given (--package "" clears the package)',
  service: 'customer',
  positionals: [{ name: 'id-or-phone', description: 'customer id (UUID) or phone number' }],
  options: {
    name: { type: 'string', valueName: 'text', description: 'full name' },
    phone: { type: 'string', valueName: 'phone', description: 'the new number, any common form; normalized by the service (a number another customer has: ALREADY_EXISTS)' },
    address: { type: 'string', valueName: 'text', description: 'service address' },
    zone: { type: 'string', valueName: 'slug', description: 'work zone, e.g. karawang (stored as a slug)' },
    package: { type: 'string', valueName: 'name', description: 'internet package name; "" = none' },
  },
  examples: ['notifyctl customers update 0812-3456-7890 --phone 0813-1111-2222 --package "Home 50 Mbps"'],
  async run({ args, clients }) {
    // The mask is exactly the flags given, empty ones too: `--package ""` clears the package (the
    // service refuses an empty name, phone, address or zone, naming the field).
    const customer: Partial<customerv1.Customer> = {};
    const paths: string[] = [];
    for (const [flag, path, field] of CUSTOMER_UPDATE_FLAGS) {
      const given = args.raw(flag);
      if (given.length === 0) continue;
      customer[field] = given[given.length - 1]!.trim();
      paths.push(path);
    }
    if (paths.length === 0) throw new UsageError('nothing to change: give --name, --phone, --address, --zone or --package');
    customer.id = await personIdOf(clients, 'customer', args.positional(0));
    const res = await callUnary(clients.customer, 'updateCustomer', { customer: customerv1.Customer.fromPartial(customer), updateMask: paths });
    return { json: customerv1.UpdateCustomerResponse.toJSON(res), text: customerRecord(res.customer) };
  },
};

const suspend: CommandSpec = {
  name: 'suspend',
  summary: 'suspend an ACTIVE customer (isolir, e.g. unpaid): left out of broadcasts and campaigns, still told of their tickets and invoices; `customers activate` reactivates (no welcome)',
  service: 'customer',
  positionals: [{ name: 'id-or-phone', description: 'customer id (UUID) or phone number' }],
  options: {
    reason: { type: 'string', required: true, valueName: 'text', description: 'why, kept with the suspension, e.g. "tunggakan November 2026" (at most 500 characters)' },
  },
  async run({ args, clients }) {
    const id = await personIdOf(clients, 'customer', args.positional(0));
    const res = await callUnary(clients.customer, 'suspendCustomer', { customerId: id, reason: args.required('reason'), actor: undefined });
    const c = res.customer;
    // A repeat changes nothing (the first suspension is kept): said on stderr, as invoice-paid's.
    const note = !res.changed && c ? `note: customer ${c.name || c.id} was SUSPENDED already (since ${formatTime(c.suspendedAt)}); nothing changed` : undefined;
    return { json: customerv1.SuspendCustomerResponse.toJSON(res), text: customerRecord(c), ...(note ? { note } : {}) };
  },
};

/** `notifyctl customers …`. */
export const customersGroup: CommandGroup = {
  name: 'customers',
  aliases: ['customer'],
  summary: 'register, activate, change, suspend, show and list customers; opt phones out and in; preferences; invoices: record, list, mark paid or cancelled (customer service)',
  commands: [register, activate, updateCustomer, suspend, getCustomer, listCustomers, optOut, optIn, optOuts, customerPreferences, createInvoice, listInvoices, invoicePaid, invoiceCancel],
};

const ROLE_ALIASES = { cs: commonv1.Role.ROLE_CUSTOMER_SERVICE, tech: commonv1.Role.ROLE_TECHNICIAN };

/** A staff member's role from `--role`: a staff role or an alias (`service` is a key's role, not a person's: UsageError). */
function staffRoleOf(text: string): commonv1.Role {
  let role: commonv1.Role;
  try {
    role = parseEnum(commonv1.Role, 'ROLE_', 'role', text, ROLE_ALIASES);
  } catch (err) {
    // The choices of a person's role: not `service` (QA: it was listed, then refused).
    if (err instanceof UsageError) throw new UsageError(`--role: "${text}" is not one of ${STAFF_ROLE_CHOICES}`);
    throw err;
  }
  if (role === commonv1.Role.ROLE_SERVICE) throw new UsageError(`--role: service is the role of an API key, not of a staff member (${STAFF_ROLE_CHOICES})`);
  return role;
}

/** The roles a staff member may have, as `--role` takes them. */
const STAFF_ROLE_CHOICES = 'admin, manager, supervisor, noc, customer_service, technician, cs, tech';

/**
 * The stderr note after `staff create` (and `staff update --phone`) when the staff member's phone
 * is also a customer's (QA: accepted silently, and then the customer's WhatsApp replies, STOP
 * included, were handled as the staff member's: the gateway looks a reply's phone up among staff
 * first and refuses an active staff member's STOP). The phone is looked up with its `+`
 * (staff phones are E.164 digits), as the gateway does. Best effort: undefined when no customer
 * has the phone, or when the look-up fails (e.g. a key whose role may not read customers).
 */
export async function sharedPhoneNote(customer: customerv1.CustomerServiceClient, staff: customerv1.Staff | undefined): Promise<string | undefined> {
  if (!staff?.phone) return undefined;
  const phone = staff.phone.startsWith('+') ? staff.phone : `+${staff.phone}`;
  const c = await callUnary(customer, 'getCustomer', { id: '', phone, includeOptOuts: false }).then((r) => r.customer, () => undefined);
  return c ? sharedPhoneText(staff, c) : undefined;
}

/** The text of sharedPhoneNote. */
export function sharedPhoneText(staff: Pick<customerv1.Staff, 'name' | 'phone'>, c: Pick<customerv1.Customer, 'name' | 'id'>): string {
  return `note: ${staff.phone} is also customer ${c.name || c.id}'s number: while staff ${staff.name} is active, WhatsApp replies from it are handled as theirs, not the customer's (a STOP is refused)`;
}

const createStaff: CommandSpec = {
  name: 'create',
  summary: 'add a staff member',
  service: 'customer',
  options: {
    name: { type: 'string', required: true, valueName: 'text', description: 'full name' },
    phone: { type: 'string', required: true, valueName: 'phone', description: 'any common form; normalized by the service' },
    role: { type: 'string', required: true, valueName: 'role', description: 'admin, manager, supervisor, noc, customer_service, technician' },
    zone: { type: 'string', multiple: true, valueName: 'slug', description: 'work zone(s) (repeat or comma-separate); none = every zone (a technician then gets the job offers of all zones)' },
  },
  async run({ args, clients }) {
    const res = await callUnary(clients.customer, 'createStaff', {
      name: args.required('name'),
      phone: args.required('phone'),
      role: staffRoleOf(args.required('role')),
      workZones: args.list('zone'),
    });
    const note = args.flag('json') ? undefined : await sharedPhoneNote(clients.customer, res.staff);
    return { json: customerv1.CreateStaffResponse.toJSON(res), text: staffRecord(res.staff), ...(note ? { note } : {}) };
  },
};

const getStaff: CommandSpec = {
  name: 'get',
  summary: 'show one staff member by id or phone, with the phone\'s opt-outs',
  service: 'customer',
  positionals: [{ name: 'id-or-phone', description: 'staff id (UUID) or phone number' }],
  async run({ args, clients }) {
    const res = await callUnary(clients.customer, 'getStaff', { ...idOrPhone(args.positional(0)), includeOptOuts: true });
    return { json: customerv1.GetStaffResponse.toJSON(res), text: staffRecord(res.staff, res.optOuts) };
  },
};

const listStaff: CommandSpec = {
  name: 'list',
  summary: 'list staff',
  service: 'customer',
  options: {
    role: { type: 'string', multiple: true, valueName: 'role', description: 'only these roles' },
    zone: { type: 'string', valueName: 'slug', description: 'work zone' },
    active: { type: 'boolean', description: 'only active staff' },
    ...PAGE_OPTIONS,
  },
  async run({ args, clients }) {
    const res = await callUnary(clients.customer, 'listStaff', {
      roles: args.list('role').map(staffRoleOf),
      workZone: args.string('zone') ?? '',
      activeOnly: args.flag('active'),
      page: pageRequest(args),
    });
    const text = formatTable(
      [{ header: 'ID' }, { header: 'NAME', maxWidth: 30 }, { header: 'PHONE' }, { header: 'ROLE' }, { header: 'ZONES' }, { header: 'ACTIVE' }],
      res.staff.map((s) => [s.id, s.name, s.phone, roleLabel(s.role), s.workZones.length ? s.workZones.join(',') : 'every zone', s.active ? 'yes' : 'no']),
    );
    return { json: customerv1.ListStaffResponse.toJSON(res), text: text + nextPageHint(res.nextPageToken) };
  },
};

const updateStaff: CommandSpec = {
  name: 'update',
  summary: 'change a staff member: only the flags given (e.g. --active no when they leave)',
  service: 'customer',
  positionals: [{ name: 'id-or-phone', description: 'staff id (UUID) or phone number' }],
  options: {
    name: { type: 'string', valueName: 'text', description: 'full name' },
    phone: { type: 'string', valueName: 'phone', description: 'any common form; normalized by the service' },
    role: { type: 'string', valueName: 'role', description: 'admin, manager, supervisor, noc, customer_service, technician' },
    zone: { type: 'string', multiple: true, valueName: 'slug', description: 'work zone(s), replacing the current ones' },
    'all-zones': { type: 'boolean', description: 'no work zones: every zone' },
    active: { type: 'string', valueName: 'yes|no', description: 'no: deactivated (nothing is sent to them, no job offers); yes: active again' },
  },
  async run({ args, clients }) {
    const key = idOrPhone(args.positional(0));
    const current = (await callUnary(clients.customer, 'getStaff', key)).staff!;
    const paths: string[] = [];
    const staff = { ...current };
    const name = args.string('name');
    if (name !== undefined) {
      staff.name = name;
      paths.push('name');
    }
    const phone = args.string('phone');
    if (phone !== undefined) {
      staff.phone = phone;
      paths.push('phone');
    }
    const role = args.string('role');
    if (role !== undefined) {
      staff.role = staffRoleOf(role);
      paths.push('role');
    }
    const zones = args.list('zone');
    if (zones.length > 0 && args.flag('all-zones')) throw new UsageError('--zone and --all-zones exclude each other');
    if (zones.length > 0 || args.flag('all-zones')) {
      staff.workZones = zones;
      paths.push('work_zones');
    }
    const active = args.string('active');
    if (active !== undefined) {
      if (!['yes', 'no'].includes(active.toLowerCase())) throw new UsageError(`--active must be yes or no, got "${active}"`);
      staff.active = active.toLowerCase() === 'yes';
      paths.push('active');
    }
    if (paths.length === 0) throw new UsageError('nothing to change: give --name, --phone, --role, --zone / --all-zones or --active');
    const res = await callUnary(clients.customer, 'updateStaff', { staff, updateMask: paths });
    // A new phone: its replies are now the staff member's.
    const note = args.flag('json') || !paths.includes('phone') ? undefined : await sharedPhoneNote(clients.customer, res.staff);
    return { json: customerv1.UpdateStaffResponse.toJSON(res), text: staffRecord(res.staff), ...(note ? { note } : {}) };
  },
};

/** `notifyctl staff …`. */
export const staffGroup: CommandGroup = {
  name: 'staff',
  summary: 'add, change, show and list staff; their preferences (customer service)',
  commands: [createStaff, updateStaff, getStaff, listStaff, staffPreferences],
};

const listGroups: CommandSpec = {
  name: 'list',
  summary: 'list WhatsApp groups',
  service: 'customer',
  options: {
    category: { type: 'string', multiple: true, valueName: 'c', description: 'technicians, supervisors, managers, noc, customer_service, all' },
    zone: { type: 'string', valueName: 'slug', description: 'work zone' },
    active: { type: 'boolean', description: 'only active groups' },
    ...PAGE_OPTIONS,
  },
  async run({ args, clients }) {
    const res = await callUnary(clients.customer, 'listGroups', {
      categories: args.list('category').map((c) => parseEnum(customerv1.GroupCategory, 'GROUP_CATEGORY_', 'category', c)),
      workZone: args.string('zone') ?? '',
      activeOnly: args.flag('active'),
      page: pageRequest(args),
    });
    const text = formatTable(
      [{ header: 'ID' }, { header: 'NAME', maxWidth: 30 }, { header: 'CHAT ID' }, { header: 'CATEGORY' }, { header: 'ZONE' }, { header: 'ACTIVE' }, { header: 'TYPES', maxWidth: 50 }],
      res.groups.map((g) => [
        g.id,
        g.name,
        g.chatId,
        enumLabel(customerv1.GroupCategory, 'GROUP_CATEGORY_', g.category),
        g.workZone || 'every zone',
        g.active ? 'yes' : 'no',
        g.notificationTypes.map(notificationTypeLabel).join(','),
      ]),
    );
    return { json: customerv1.ListGroupsResponse.toJSON(res), text: text + nextPageHint(res.nextPageToken) };
  },
};

const createGroup: CommandSpec = {
  name: 'create',
  summary: 'add a WhatsApp group (e.g. a zone\'s technicians group: job offers and SLA warnings of that zone)',
  service: 'customer',
  options: {
    name: { type: 'string', required: true, valueName: 'text', description: 'e.g. "Teknisi Karawang"' },
    'chat-id': { type: 'string', required: true, valueName: 'id', description: 'the WhatsApp group id, ending in @g.us' },
    category: { type: 'string', required: true, valueName: 'c', description: 'technicians, supervisors, managers, noc, customer_service' },
    zone: { type: 'string', valueName: 'slug', description: 'work zone (none: every zone)' },
    type: { type: 'string', multiple: true, valueName: 'type', description: 'only these notification types (none: whatever routing rules send it)' },
  },
  async run({ args, clients }) {
    const res = await callUnary(clients.customer, 'createGroup', {
      name: args.required('name'),
      chatId: args.required('chat-id'),
      category: parseEnum(customerv1.GroupCategory, 'GROUP_CATEGORY_', 'category', args.required('category')),
      workZone: args.string('zone') ?? '',
      notificationTypes: args.list('type').map((t) => parseEnum(commonv1.NotificationType, 'NOTIFICATION_TYPE_', 'type', t)),
    });
    const g = res.group;
    const text = g
      ? formatRecord([
        ['ID', g.id],
        ['Name', g.name],
        ['Chat ID', g.chatId],
        ['Category', enumLabel(customerv1.GroupCategory, 'GROUP_CATEGORY_', g.category)],
        ['Zone', g.workZone || 'every zone'],
        ['Types', g.notificationTypes.length > 0 ? g.notificationTypes.map(notificationTypeLabel).join(', ') : 'as routed'],
      ])
      : '';
    return { json: customerv1.CreateGroupResponse.toJSON(res), text };
  },
};

/** `notifyctl groups …`. */
export const groupsGroup: CommandGroup = {
  name: 'groups',
  aliases: ['group'],
  summary: 'add and list WhatsApp groups (customer service)',
  commands: [createGroup, listGroups],
};

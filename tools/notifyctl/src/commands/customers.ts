import { callUnary } from '@notify/grpc-kit';
import { commonv1, customerv1 } from '@notify/proto';
import { enumLabel, parseEnum } from '../args';
import type { CommandGroup, CommandSpec } from '../command';
import { PAGE_OPTIONS, channelLabel, channelOf, formatTime, localeOf, nextPageHint, notificationTypeLabel, pageRequest, roleLabel } from '../format';
import { formatRecord, formatTable } from '../table';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `{ id }` for a UUID, otherwise `{ phone }` passed through as typed (`0812-3456-7890`,
 * `+62 812…`, `62812…`): the customer service normalizes phones.
 */
export function idOrPhone(value: string): { id: string; phone: string } {
  return UUID.test(value.trim()) ? { id: value.trim(), phone: '' } : { id: '', phone: value.trim() };
}

const customerStatus = (s: customerv1.CustomerStatus): string => enumLabel(customerv1.CustomerStatus, 'CUSTOMER_STATUS_', s);

function customerRecord(c: customerv1.Customer | undefined): string {
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
  ]);
}

function staffRecord(s: customerv1.Staff | undefined): string {
  if (!s) return '';
  return formatRecord([
    ['ID', s.id],
    ['Name', s.name],
    ['Phone', s.phone],
    ['Role', roleLabel(s.role)],
    ['Work zones', s.workZones.join(', ')],
    ['Active', s.active ? 'yes' : 'no'],
    ['Created', formatTime(s.createdAt)],
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
    locale: { type: 'string', valueName: 'id|en', description: 'message language (default id)' },
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
    });
    return { json: customerv1.RegisterCustomerResponse.toJSON(res), text: customerRecord(res.customer) };
  },
};

const getCustomer: CommandSpec = {
  name: 'get',
  summary: 'show one customer by id or phone',
  service: 'customer',
  positionals: [{ name: 'id-or-phone', description: 'customer id (UUID) or phone number' }],
  async run({ args, clients }) {
    const res = await callUnary(clients.customer, 'getCustomer', idOrPhone(args.positional(0)));
    return { json: customerv1.GetCustomerResponse.toJSON(res), text: customerRecord(res.customer) };
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
    const o = res.optOut;
    const text = o
      ? formatRecord([
        ['Phone', o.phone],
        ['Channel', o.channel === commonv1.Channel.CHANNEL_UNSPECIFIED ? 'every channel' : channelLabel(o.channel)],
        ['Reason', o.reason],
        ['Since', formatTime(o.createdAt)],
      ])
      : '';
    return { json: customerv1.OptOutResponse.toJSON(res), text };
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
    const res = await callUnary(clients.customer, 'optIn', { phone: args.required('phone'), channel: channelOf(args) });
    const text = res.lifted > 0 ? `${res.phone}: ${res.lifted} opt-out(s) lifted; it is notified again` : `${res.phone}: had no opt-out there; nothing changed`;
    return { json: customerv1.OptInResponse.toJSON(res), text };
  },
};

/** `notifyctl customers …`. */
export const customersGroup: CommandGroup = {
  name: 'customers',
  aliases: ['customer'],
  summary: 'register, show and list customers; opt phones out and in (customer service)',
  commands: [register, getCustomer, listCustomers, optOut, optIn],
};

const ROLE_ALIASES = { cs: commonv1.Role.ROLE_CUSTOMER_SERVICE, tech: commonv1.Role.ROLE_TECHNICIAN };

const createStaff: CommandSpec = {
  name: 'create',
  summary: 'add a staff member',
  service: 'customer',
  options: {
    name: { type: 'string', required: true, valueName: 'text', description: 'full name' },
    phone: { type: 'string', required: true, valueName: 'phone', description: 'any common form; normalized by the service' },
    role: { type: 'string', required: true, valueName: 'role', description: 'admin, manager, supervisor, noc, customer_service, technician' },
    zone: { type: 'string', multiple: true, valueName: 'slug', description: 'work zone(s) (repeat or comma-separate)' },
  },
  async run({ args, clients }) {
    const res = await callUnary(clients.customer, 'createStaff', {
      name: args.required('name'),
      phone: args.required('phone'),
      role: parseEnum(commonv1.Role, 'ROLE_', 'role', args.required('role'), ROLE_ALIASES),
      workZones: args.list('zone'),
    });
    return { json: customerv1.CreateStaffResponse.toJSON(res), text: staffRecord(res.staff) };
  },
};

const getStaff: CommandSpec = {
  name: 'get',
  summary: 'show one staff member by id or phone',
  service: 'customer',
  positionals: [{ name: 'id-or-phone', description: 'staff id (UUID) or phone number' }],
  async run({ args, clients }) {
    const res = await callUnary(clients.customer, 'getStaff', idOrPhone(args.positional(0)));
    return { json: customerv1.GetStaffResponse.toJSON(res), text: staffRecord(res.staff) };
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
      roles: args.list('role').map((r) => parseEnum(commonv1.Role, 'ROLE_', 'role', r, ROLE_ALIASES)),
      workZone: args.string('zone') ?? '',
      activeOnly: args.flag('active'),
      page: pageRequest(args),
    });
    const text = formatTable(
      [{ header: 'ID' }, { header: 'NAME', maxWidth: 30 }, { header: 'PHONE' }, { header: 'ROLE' }, { header: 'ZONES' }, { header: 'ACTIVE' }],
      res.staff.map((s) => [s.id, s.name, s.phone, roleLabel(s.role), s.workZones.join(','), s.active ? 'yes' : 'no']),
    );
    return { json: customerv1.ListStaffResponse.toJSON(res), text: text + nextPageHint(res.nextPageToken) };
  },
};

/** `notifyctl staff …`. */
export const staffGroup: CommandGroup = {
  name: 'staff',
  summary: 'add, show and list staff (customer service)',
  commands: [createStaff, getStaff, listStaff],
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
        g.workZone,
        g.active ? 'yes' : 'no',
        g.notificationTypes.map(notificationTypeLabel).join(','),
      ]),
    );
    return { json: customerv1.ListGroupsResponse.toJSON(res), text: text + nextPageHint(res.nextPageToken) };
  },
};

/** `notifyctl groups …`. */
export const groupsGroup: CommandGroup = {
  name: 'groups',
  aliases: ['group'],
  summary: 'list WhatsApp groups (customer service)',
  commands: [listGroups],
};

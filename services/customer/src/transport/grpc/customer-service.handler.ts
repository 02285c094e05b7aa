import { NotFoundError, ValidationError } from '@notify/errors';
import { itemErrorOf, optionalUuid, unary, type CallContext } from '@notify/grpc-kit';
import { commonv1, customerv1, ticketv1 } from '@notify/proto';
import { decodePageToken, encodePageToken } from '@notify/paging';
import {
  ActivateCustomerUseCase,
  CreateGroupUseCase,
  CreateInvoiceUseCase,
  CreateStaffUseCase,
  DeleteGroupUseCase,
  GetCustomerUseCase,
  GetPreferencesUseCase,
  GetStaffUseCase,
  ListCustomersUseCase,
  ListGroupsUseCase,
  ListInvoicesDueUseCase,
  ListInvoicesUseCase,
  ListRoutingRulesUseCase,
  ListStaffUseCase,
  OptInUseCase,
  OptOutUseCase,
  RegisterCustomerUseCase,
  ResolveRecipientsUseCase,
  SetInvoiceStatusUseCase,
  SuspendCustomerUseCase,
  UpdateCustomerUseCase,
  UpdateGroupUseCase,
  UpdatePreferencesUseCase,
  UpdateRoutingRuleUseCase,
  ResetRoutingRuleUseCase,
  UpdateStaffUseCase,
  authorize,
  type Clock,
  type IdGenerator,
  type Principal,
  type ResolutionPosition,
  type StaffPatch,
} from '../../application';
import { normalizePhone, type Customer, type CustomerChanges, type PreferencesPatch, type GroupFields, type ResolutionContext } from '../../domain';
import type { CustomerStore } from '../../infrastructure/persistence';
import {
  audienceFromProto,
  channelFromProto,
  channelSwitchesFromProto,
  customerStatusFromProto,
  customerToProto,
  explicitAudienceFromProto,
  groupCategoryFromProto,
  groupToProto,
  invoiceStatusFromProto,
  invoiceToProto,
  leftOutToProto,
  localeFromProto,
  minuteToHhmm,
  notificationTypeFromProto,
  notificationTypesFromProto,
  optOutToProto,
  personKindFromProto,
  preferencesToProto,
  recipientToProto,
  resolvePage,
  routingRuleToProto,
  ruleTicketTypeFromProto,
  rupiahFromProto,
  staffRoleFromProto,
  staffToProto,
} from './customer.proto-mapper';
import { checkActor, knownEnum, maxLength, requireUuid, withFieldPaths } from './request-fields';

/** What the handler needs: the Postgres-backed ports, a clock and an id source. */
export interface CustomerHandlerDeps {
  readonly store: CustomerStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

/** ResolveRecipients page size (proto): default 1000, max 5000. */
export const RESOLVE_PAGE = { default: 1000, max: 5000 } as const;

/** Most requests one BatchResolveRecipients call takes (proto: at most 100). */
export const BATCH_RESOLVE_MAX = 100;

function principalOf(ctx: CallContext): Principal {
  return { role: ctx.principal.role, ...(ctx.principal.staffId ? { staffId: ctx.principal.staffId } : {}) };
}

/**
 * Which fields an Update RPC changes (Google AIP-134): `populated` maps each mutable field's mask
 * path to whether the request gives it a non-default value (a non-empty string or list, a
 * non-zero enum, a set message, `true`). A non-empty `update_mask` changes exactly its paths,
 * whatever their values (naming a field is how it is cleared, set false or emptied); an empty
 * (absent) mask changes only the populated fields, never every field: proto3 cannot tell `false`,
 * `0`, `""` or `[]` from "not given" (QA: an UpdateStaff meant to rename, without a mask,
 * deactivated the technician and emptied their work zones; an UpdatePreferences meant to change
 * the language stored no channels). Returns the predicate "is this field to be changed".
 * ValidationError(`update_mask`) for a path not in `populated`, and for an empty mask with no
 * populated field (nothing to change: a caller relying on the former "empty mask = every field"
 * to set something false or empty is told to name it, not silently ignored).
 */
function maskOf(paths: readonly string[] | undefined, populated: Readonly<Record<string, boolean>>): (field: string) => boolean {
  const allowed = Object.keys(populated);
  const list = paths ?? [];
  const unknown = list.find((p) => !allowed.includes(p));
  if (unknown !== undefined) throw new ValidationError('update_mask', `unknown path "${unknown}" (allowed: ${allowed.join(', ')})`);
  if (list.length > 0) return (field) => list.includes(field);
  const given = allowed.filter((f) => populated[f]);
  if (given.length === 0) {
    throw new ValidationError(
      'update_mask',
      `nothing to change: the mask is empty and no field has a value (an empty mask changes only the fields given a value); to clear a field, or to set one false, name it in update_mask (${allowed.join(', ')})`,
    );
  }
  return (field) => given.includes(field);
}

function exactlyOne(id: string, phone: string): void {
  if (!!id.trim() === !!phone.trim()) throw new ValidationError('id', 'give exactly one of id and phone');
}

/** Longest ListCustomers `query` (characters). */
export const CUSTOMER_QUERY_MAX = 200;


/** Domain fields of preferences → their paths in UpdatePreferencesRequest. */
const PREFERENCES_PATHS: Readonly<Record<string, string>> = {
  'quiet_hours.start': 'preferences.quiet_hours.start_minute',
  'quiet_hours.end': 'preferences.quiet_hours.end_minute',
  time_zone: 'preferences.quiet_hours.time_zone',
};

/**
 * `notify.customer.v1.CustomerService` over the customer use cases (see
 * proto/notify/customer/v1/customer_service.proto for each RPC's contract). Domain errors are
 * mapped to gRPC statuses by grpc-kit: ValidationError → INVALID_ARGUMENT (naming the field and
 * value), NotFoundError → NOT_FOUND, AlreadyExistsError → ALREADY_EXISTS,
 * FailedPreconditionError → FAILED_PRECONDITION (naming the current status),
 * PermissionDeniedError → PERMISSION_DENIED.
 */
/** A routing rule's escalation level on the wire: 0 (any), 1 or 2; ValidationError(field) otherwise. */
function checkEscalationLevel(level: number, field: string): asserts level is 0 | 1 | 2 {
  if (level !== 0 && level !== 1 && level !== 2) throw new ValidationError(field, `must be 1, 2 or 0 (any), got ${level}`);
}

export function createCustomerServiceHandler(deps: CustomerHandlerDeps): customerv1.CustomerServiceServer {
  const { store, clock, ids } = deps;
  const register = new RegisterCustomerUseCase({ uow: store.uow, clock, ids });
  const activate = new ActivateCustomerUseCase({ uow: store.uow, clock, ids });
  const updateCustomer = new UpdateCustomerUseCase({ uow: store.uow, clock });
  const suspend = new SuspendCustomerUseCase({ uow: store.uow, clock });
  const getCustomer = new GetCustomerUseCase({ customers: store.customers });
  /** GetCustomer / GetStaff with include_opt_outs: the phone's opt-outs, oldest first. */
  const optOutsOf = async (phone: string): Promise<customerv1.OptOut[]> =>
    (await store.optOuts.findByPhones([phone])).sort((a, b) => a.at.getTime() - b.at.getTime()).map((o) => optOutToProto(o));
  const listCustomers = new ListCustomersUseCase({ customers: store.customers });
  const createStaff = new CreateStaffUseCase({ staff: store.staff, clock, ids });
  const updateStaff = new UpdateStaffUseCase({ staff: store.staff });
  const getStaff = new GetStaffUseCase({ staff: store.staff });
  const listStaff = new ListStaffUseCase({ staff: store.staff });
  const groupDeps = { groups: store.groups, clock, ids };
  const createGroup = new CreateGroupUseCase(groupDeps);
  const updateGroup = new UpdateGroupUseCase(groupDeps);
  const deleteGroup = new DeleteGroupUseCase({ groups: store.groups });
  const listGroups = new ListGroupsUseCase({ groups: store.groups });
  const prefDeps = { preferences: store.preferences, customers: store.customers, staff: store.staff, groups: store.groups, clock };
  const getPreferences = new GetPreferencesUseCase(prefDeps);
  const updatePreferences = new UpdatePreferencesUseCase({ ...prefDeps, uow: store.uow, ids });
  const optOut = new OptOutUseCase({ uow: store.uow, clock, ids });
  const optIn = new OptInUseCase({ optOuts: store.optOuts });
  const createInvoice = new CreateInvoiceUseCase({ invoices: store.invoices, customers: store.customers, uow: store.uow, clock, ids });
  const listInvoicesDue = new ListInvoicesDueUseCase({ invoices: store.invoices, clock });
  const setInvoiceStatus = new SetInvoiceStatusUseCase({ invoices: store.invoices, uow: store.uow, clock, ids });
  const listInvoices = new ListInvoicesUseCase({ invoices: store.invoices });
  const listRules = new ListRoutingRulesUseCase({ rules: store.rules });
  const upsertRule = new UpdateRoutingRuleUseCase({ rules: store.rules });
  const resetRule = new ResetRoutingRuleUseCase({ rules: store.rules });
  const resolve = new ResolveRecipientsUseCase({
    rules: store.rules,
    customers: store.customers,
    staff: store.staff,
    groups: store.groups,
    facts: store.facts,
  });

  /** One ResolveRecipients page (see the RPC's docs in the proto). */
  async function resolveOnePage(req: customerv1.ResolveRecipientsRequest, ctx: CallContext): Promise<customerv1.ResolveRecipientsResponse> {
    const notificationType = notificationTypeFromProto(req.notificationType);
    const audiences = req.audiences.map(explicitAudienceFromProto);
    const channels = req.channels.map((ch, i) => {
      const name = channelFromProto(ch);
      if (!name) throw new ValidationError(`channels[${i}]`, `must be WHATSAPP or SMS, got ${ch}`);
      return name;
    });
    const { size, token } = resolvePage(req.page, RESOLVE_PAGE.default, RESOLVE_PAGE.max);
    const { after, offset } = resolvePosition(token);
    const c = req.context;
    if (c) {
      knownEnum(c.priority, commonv1.Priority, 'context.priority');
      knownEnum(c.ticketType, ticketv1.TicketType, 'context.ticket_type');
    }
    const context: ResolutionContext = {
      ...(c?.ticketId ? { ticketId: c.ticketId } : {}),
      ...(c?.customerId ? { customerId: c.customerId } : {}),
      ...(c?.technicianId ? { technicianId: c.technicianId } : {}),
      ...(c?.previousTechnicianId ? { previousTechnicianId: c.previousTechnicianId } : {}),
      ...(c?.workZone ? { workZone: c.workZone, area: c.workZone } : {}),
      ...(c?.ticketType === ticketv1.TicketType.TICKET_TYPE_DISTURBANCE ? { ticketType: 'GANGGUAN' as const } : {}),
      ...(c?.ticketType === ticketv1.TicketType.TICKET_TYPE_INSTALLATION ? { ticketType: 'PSB' as const } : {}),
      ...(c?.escalationLevel ? { escalationLevel: c.escalationLevel } : {}),
      ...(c?.actorId ? { actorId: c.actorId } : {}),
    };
    const recipients: customerv1.Recipient[] = [];
    const leftOut: customerv1.LeftOutRecipient[] = [];
    // The resolution is deterministic (rules by audience then id; customers by id), so a page
    // token is the position after the page's last item (rule, candidates of it consumed, last
    // candidate id) and the next page resumes there (ResolveRecipientsUseCase.stream): customer
    // audiences by keyset on the id, so every page costs about the same. (The former token, the
    // number of items returned, re-streamed the resolution up to it: page k cost O(k · page
    // size), and a 100,000-customer broadcast's later pages outgrew the gateway's 5 s deadline.
    // Such a token is still honoured, the old way.)
    let index = 0;
    let more = false;
    let last: ResolutionPosition | undefined;
    for await (const item of resolve.stream(principalOf(ctx), { notificationType, context, audiences, channels }, after)) {
      if ('skippedRule' in item) continue;
      if (index++ < offset) continue;
      if (recipients.length + leftOut.length >= size) {
        more = true;
        break;
      }
      if ('recipient' in item) recipients.push(recipientToProto(item.recipient));
      else leftOut.push(leftOutToProto(item.leftOut));
      last = item.at;
    }
    // Staff recipients carry their role: the staff record the resolution read has it (recipientToProto).
    return { recipients, leftOut, nextPageToken: more && last ? encodePageToken({ r: String(last.rule), c: String(last.consumed), a: last.lastId }) : '' };
  }

  return {
    registerCustomer: unary(async (req: customerv1.RegisterCustomerRequest, ctx) => {
      const locale = localeFromProto(knownEnum(req.locale, commonv1.Locale, 'locale'));
      checkActor(req.actor);
      const { customer, replayed } = await register.register(principalOf(ctx), {
        name: req.name,
        phone: req.phone,
        address: req.address,
        workZone: req.workZone,
        packageName: req.packageName,
        wantsInstallation: req.wantsInstallation,
        ...(locale ? { locale } : {}),
        ...(req.requestId ? { requestId: req.requestId } : {}),
      });
      return { customer: customerToProto(customer), replayed };
    }),

    activateCustomer: unary(async (req: customerv1.ActivateCustomerRequest, ctx) => {
      const customerId = requireUuid(req.customerId, 'customer_id');
      checkActor(req.actor);
      return { customer: customerToProto(await activate.execute(principalOf(ctx), { customerId })) };
    }),

    updateCustomer: unary(async (req: customerv1.UpdateCustomerRequest, ctx) => {
      const c = req.customer;
      if (!c) throw new ValidationError('customer', 'is required');
      const customerId = requireUuid(c.id, 'customer.id');
      const has = maskOf(req.updateMask, {
        name: c.name !== '',
        phone: c.phone !== '',
        address: c.address !== '',
        work_zone: c.workZone !== '',
        package_name: c.packageName !== '',
      });
      const patch: CustomerChanges = {
        ...(has('name') ? { name: c.name } : {}),
        ...(has('phone') ? { phone: c.phone } : {}),
        ...(has('address') ? { address: c.address } : {}),
        ...(has('work_zone') ? { workZone: c.workZone } : {}),
        ...(has('package_name') ? { packageName: c.packageName } : {}),
      };
      return { customer: customerToProto(await withFieldPaths('customer', () => updateCustomer.execute(principalOf(ctx), { customerId, patch }))) };
    }),

    suspendCustomer: unary(async (req: customerv1.SuspendCustomerRequest, ctx) => {
      const customerId = requireUuid(req.customerId, 'customer_id');
      checkActor(req.actor);
      const { customer, changed } = await suspend.execute(principalOf(ctx), {
        customerId,
        reason: req.reason,
        ...(req.actor?.id ? { actorId: req.actor.id } : {}),
      });
      return { customer: customerToProto(customer), changed };
    }),

    getCustomer: unary(async (req: customerv1.GetCustomerRequest, ctx) => {
      exactlyOne(req.id, req.phone);
      const customer = await getCustomer.execute(principalOf(ctx), req.phone.trim() ? { phone: req.phone } : { customerId: requireUuid(req.id, 'id') });
      return { customer: customerToProto(customer), optOuts: req.includeOptOuts ? await optOutsOf(customer.phone) : [] };
    }),

    listCustomers: unary(async (req: customerv1.ListCustomersRequest, ctx) => {
      const statuses = req.statuses.map((st) => {
        const status = customerStatusFromProto(st);
        if (!status) throw new ValidationError('statuses', `unknown status ${st}`);
        return status;
      });
      const page = await listCustomers.execute(principalOf(ctx), {
        statuses,
        ...(maxLength(req.query, 'query', CUSTOMER_QUERY_MAX) ? { query: req.query } : {}),
        ...(req.workZone ? { workZone: req.workZone } : {}),
        pageSize: req.page?.pageSize ?? 0,
        ...(req.page?.pageToken ? { pageToken: req.page.pageToken } : {}),
      });
      return { customers: page.customers.map(customerToProto), nextPageToken: page.nextPageToken ?? '' };
    }),

    createStaff: unary(async (req: customerv1.CreateStaffRequest, ctx) => {
      const staff = await createStaff.execute(principalOf(ctx), {
        name: req.name,
        role: staffRoleFromProto(req.role),
        phone: req.phone,
        workZones: req.workZones,
      });
      return { staff: staffToProto(staff) };
    }),

    updateStaff: unary(async (req: customerv1.UpdateStaffRequest, ctx) => {
      const s = req.staff;
      if (!s) throw new ValidationError('staff', 'is required');
      const staffId = requireUuid(s.id, 'staff.id');
      const has = maskOf(req.updateMask, {
        name: s.name !== '',
        phone: s.phone !== '',
        role: s.role !== commonv1.Role.ROLE_UNSPECIFIED,
        work_zones: s.workZones.length > 0,
        active: s.active,
      });
      const patch: StaffPatch = {
        ...(has('name') ? { name: s.name } : {}),
        ...(has('phone') ? { phone: s.phone } : {}),
        ...(has('role') ? { role: staffRoleFromProto(s.role, 'staff.role') } : {}),
        ...(has('work_zones') ? { workZones: s.workZones } : {}),
        ...(has('active') ? { active: s.active } : {}),
      };
      return { staff: staffToProto(await withFieldPaths('staff', () => updateStaff.execute(principalOf(ctx), { staffId, patch }))) };
    }),

    getStaff: unary(async (req: customerv1.GetStaffRequest, ctx) => {
      exactlyOne(req.id, req.phone);
      const principal = principalOf(ctx);
      let found;
      if (req.id.trim()) found = await getStaff.execute(principal, { staffId: requireUuid(req.id, 'id') });
      else {
        authorize(principal, 'GetStaff', 'read staff');
        const phone = normalizePhone(req.phone);
        found = await store.staff.findByPhone(phone);
        if (!found) throw new NotFoundError('staff with phone', phone);
      }
      return { staff: staffToProto(found), optOuts: req.includeOptOuts && found.phone ? await optOutsOf(found.phone) : [] };
    }),

    listStaff: unary(async (req: customerv1.ListStaffRequest, ctx) => {
      const page = await listStaff.execute(principalOf(ctx), {
        ...(req.roles.length ? { roles: req.roles.map((r, i) => staffRoleFromProto(r, `roles[${i}]`)) } : {}),
        ...(req.workZone ? { workZone: req.workZone } : {}),
        ...(req.activeOnly ? { active: true } : {}),
        pageSize: req.page?.pageSize ?? 0,
        ...(req.page?.pageToken ? { pageToken: req.page.pageToken } : {}),
      });
      return { staff: page.staff.map(staffToProto), nextPageToken: page.nextPageToken ?? '' };
    }),

    createGroup: unary(async (req: customerv1.CreateGroupRequest, ctx) => {
      const group = await createGroup.execute(principalOf(ctx), {
        name: req.name,
        chatId: req.chatId,
        category: groupCategoryFromProto(req.category),
        workZone: req.workZone || null,
        notificationTypes: notificationTypesFromProto(req.notificationTypes, 'notification_types'),
      });
      return { group: groupToProto(group) };
    }),

    listGroups: unary(async (req: customerv1.ListGroupsRequest, ctx) => {
      const page = await listGroups.execute(principalOf(ctx), {
        ...(req.categories.length ? { categories: req.categories.map((c, i) => groupCategoryFromProto(c, `categories[${i}]`)) } : {}),
        ...(req.workZone ? { workZone: req.workZone } : {}),
        ...(req.activeOnly ? { active: true } : {}),
        pageSize: req.page?.pageSize ?? 0,
        ...(req.page?.pageToken ? { pageToken: req.page.pageToken } : {}),
      });
      return { groups: page.groups.map(groupToProto), nextPageToken: page.nextPageToken ?? '' };
    }),

    updateGroup: unary(async (req: customerv1.UpdateGroupRequest, ctx) => {
      const g = req.group;
      if (!g) throw new ValidationError('group', 'is required');
      const groupId = requireUuid(g.id, 'group.id');
      const has = maskOf(req.updateMask, {
        name: g.name !== '',
        chat_id: g.chatId !== '',
        category: g.category !== customerv1.GroupCategory.GROUP_CATEGORY_UNSPECIFIED,
        work_zone: g.workZone !== '',
        notification_types: g.notificationTypes.length > 0,
        active: g.active,
      });
      const patch: Partial<GroupFields> = {
        ...(has('name') ? { name: g.name } : {}),
        ...(has('chat_id') ? { chatId: g.chatId } : {}),
        ...(has('category') ? { category: groupCategoryFromProto(g.category, 'group.category') } : {}),
        ...(has('work_zone') ? { workZone: g.workZone || null } : {}),
        ...(has('notification_types') ? { notificationTypes: notificationTypesFromProto(g.notificationTypes, 'group.notification_types') } : {}),
        ...(has('active') ? { active: g.active } : {}),
      };
      return { group: groupToProto(await withFieldPaths('group', () => updateGroup.execute(principalOf(ctx), { groupId, ...patch }))) };
    }),

    deleteGroup: unary(async (req: customerv1.DeleteGroupRequest, ctx) => {
      await deleteGroup.execute(principalOf(ctx), { groupId: requireUuid(req.groupId, 'group_id') });
      return {};
    }),

    getPreferences: unary(async (req: customerv1.GetPreferencesRequest, ctx) => {
      const subject = { kind: personKindFromProto(req.recipientKind), id: requireUuid(req.recipientId, 'recipient_id') };
      return { preferences: preferencesToProto(await getPreferences.execute(principalOf(ctx), subject)) };
    }),

    updatePreferences: unary(async (req: customerv1.UpdatePreferencesRequest, ctx) => {
      const p = req.preferences;
      if (!p) throw new ValidationError('preferences', 'is required');
      const subject = { kind: personKindFromProto(p.recipientKind, 'preferences.recipient_kind'), id: requireUuid(p.recipientId, 'preferences.recipient_id') };
      const q = p.quietHours;
      // LOCALE_UNSPECIFIED leaves the locale as it is (named in the mask too); a value outside the enum is refused.
      const locale = localeFromProto(knownEnum(p.locale, commonv1.Locale, 'preferences.locale'));
      const has = maskOf(req.updateMask, {
        channels: p.channels.length > 0,
        opted_out_types: p.optedOutTypes.length > 0,
        quiet_hours: q !== undefined,
        locale: locale !== undefined,
      });
      const patch: PreferencesPatch = {
        ...(has('channels') ? { channels: channelSwitchesFromProto(p.channels) } : {}),
        ...(has('opted_out_types') ? { optedOutTypes: notificationTypesFromProto(p.optedOutTypes, 'preferences.opted_out_types') } : {}),
        ...(has('quiet_hours')
          ? q
            ? {
                quietHours: {
                  start: minuteToHhmm(q.startMinute, 'preferences.quiet_hours.start_minute'),
                  end: minuteToHhmm(q.endMinute, 'preferences.quiet_hours.end_minute'),
                },
                ...(q.timeZone ? { timeZone: q.timeZone } : {}),
              }
            : { quietHours: null }
          : {}),
        ...(has('locale') && locale ? { locale } : {}),
      };
      return {
        preferences: preferencesToProto(await withFieldPaths('preferences', () => updatePreferences.execute(principalOf(ctx), { subject, patch }), PREFERENCES_PATHS)),
      };
    }),

    optOut: unary(async (req: customerv1.OptOutRequest, ctx) => {
      // CHANNEL_UNSPECIFIED means every channel; a value outside the enum is refused (it used to
      // be taken as UNSPECIFIED: a typo opted the phone out of everything).
      const channel = channelFromProto(knownEnum(req.channel, commonv1.Channel, 'channel'));
      // CHANNEL_UNSPECIFIED = every channel, in one transaction; each channel's record is returned
      // (QA: the WhatsApp record alone, with its older reason and time, was shown as "every channel").
      const records = await optOut.executeAll(principalOf(ctx), { phone: req.phone, channels: channel ? [channel] : ['WHATSAPP', 'SMS'], reason: req.reason });
      return { optOut: optOutToProto(records[0]!), optOuts: records.map((r) => optOutToProto(r)) };
    }),

    optIn: unary(async (req: customerv1.OptInRequest, ctx) => {
      // CHANNEL_UNSPECIFIED = every channel; a value outside the enum is refused, as for OptOut.
      const channel = channelFromProto(knownEnum(req.channel, commonv1.Channel, 'channel'));
      return optIn.execute(principalOf(ctx), { phone: req.phone, channels: channel ? [channel] : ['WHATSAPP', 'SMS'] });
    }),

    /** Any phone's opt-outs (GetCustomer / GetStaff show only their own numbers'); INVALID_ARGUMENT for a phone that is not one. */
    getOptOuts: unary(async (req: customerv1.GetOptOutsRequest) => {
      const phone = normalizePhone(req.phone);
      return { phone, optOuts: await optOutsOf(phone) };
    }),

    createInvoice: unary(async (req: customerv1.CreateInvoiceRequest, ctx) => {
      const customerId = requireUuid(req.customerId, 'customer_id');
      const { invoice, replayed } = await createInvoice.create(principalOf(ctx), {
        customerId,
        amount: rupiahFromProto(req.amountRupiah),
        dueDate: req.dueDate,
        ...(req.number ? { number: req.number } : {}),
        ...(req.description ? { description: req.description } : {}),
        ...(req.requestId ? { requestId: req.requestId } : {}),
      });
      return { invoice: invoiceToProto(invoice), replayed };
    }),

    listInvoicesDue: unary(async (req: customerv1.ListInvoicesDueRequest, ctx) => {
      if (!req.onDate.trim()) throw new ValidationError('on_date', 'is required (YYYY-MM-DD)');
      const page = await listInvoicesDue.execute(principalOf(ctx), {
        onDate: req.onDate,
        withinDays: req.withinDays,
        pageSize: req.page?.pageSize ?? 0,
        ...(req.page?.pageToken ? { pageToken: req.page.pageToken } : {}),
      });
      const customers = new Map<string, Customer | null>();
      for (const inv of page.invoices) {
        if (!customers.has(inv.customerId)) customers.set(inv.customerId, await store.customers.findById(inv.customerId));
      }
      return {
        invoices: page.invoices.map((inv) => {
          const c = customers.get(inv.customerId);
          return { invoice: invoiceToProto(inv), customer: c ? customerToProto(c) : undefined, daysUntilDue: inv.daysUntilDue };
        }),
        nextPageToken: page.nextPageToken ?? '',
      };
    }),

    setInvoiceStatus: unary(async (req: customerv1.SetInvoiceStatusRequest, ctx) => {
      if (!req.invoiceId.trim() === !req.number.trim()) throw new ValidationError('invoice_id', 'give exactly one of invoice_id and number');
      const key = req.invoiceId.trim() ? { invoiceId: requireUuid(req.invoiceId, 'invoice_id') } : { number: req.number };
      const status = invoiceStatusFromProto(req.status, 'status');
      checkActor(req.actor);
      const { invoice, changed } = await setInvoiceStatus.execute(principalOf(ctx), {
        ...key,
        status,
        reason: req.reason,
        ...(req.actor?.id ? { actorId: req.actor.id } : {}),
      });
      return { invoice: invoiceToProto(invoice), changed };
    }),

    listInvoices: unary(async (req: customerv1.ListInvoicesRequest, ctx) => {
      const customerId = optionalUuid(req.customerId, 'customer_id');
      const page = await listInvoices.execute(principalOf(ctx), {
        ...(customerId ? { customerId } : {}),
        statuses: req.statuses.map((st, i) => invoiceStatusFromProto(st, `statuses[${i}]`)),
        pageSize: req.page?.pageSize ?? 0,
        ...(req.page?.pageToken ? { pageToken: req.page.pageToken } : {}),
      });
      return { invoices: page.invoices.map(invoiceToProto), nextPageToken: page.nextPageToken ?? '' };
    }),

    listRoutingRules: unary(async (req: customerv1.ListRoutingRulesRequest, ctx) => {
      const type =
        req.notificationType === commonv1.NotificationType.NOTIFICATION_TYPE_UNSPECIFIED ? undefined : notificationTypeFromProto(req.notificationType);
      const rules = await listRules.execute(principalOf(ctx), type ? { notificationType: type } : {});
      return { rules: rules.map(routingRuleToProto) };
    }),

    upsertRoutingRule: unary(async (req: customerv1.UpsertRoutingRuleRequest, ctx) => {
      const r = req.rule;
      if (!r) throw new ValidationError('rule', 'is required');
      const notificationType = notificationTypeFromProto(r.notificationType, 'rule.notification_type');
      const audience = audienceFromProto(r.audience, 'rule.audience');
      // Rules apply to every priority: min_priority is not implemented, so a value is refused
      // rather than stored and ignored.
      if (knownEnum(r.minPriority, commonv1.Priority, 'rule.min_priority') !== commonv1.Priority.PRIORITY_UNSPECIFIED) {
        throw new ValidationError('rule.min_priority', 'is not supported: a rule applies to every priority (PRIORITY_UNSPECIFIED)');
      }
      const channels = r.channels.map((c) => {
        const ch = channelFromProto(c);
        if (!ch) throw new ValidationError('rule.channels', `unknown channel ${c}`);
        return ch;
      });
      checkEscalationLevel(r.escalationLevel, 'rule.escalation_level');
      const rule = await upsertRule.execute(principalOf(ctx), {
        notificationType,
        ticketType: ruleTicketTypeFromProto(r.ticketType, 'rule.ticket_type'),
        escalationLevel: r.escalationLevel === 0 ? null : r.escalationLevel,
        audience,
        channels,
        templateKey: r.templateKey,
        enabled: r.enabled,
        source: r.source,
      });
      return { rule: routingRuleToProto(rule) };
    }),

    resetRoutingRule: unary(async (req: customerv1.ResetRoutingRuleRequest, ctx) => {
      checkEscalationLevel(req.escalationLevel, 'escalation_level');
      const res = await resetRule.execute(principalOf(ctx), {
        notificationType: notificationTypeFromProto(req.notificationType, 'notification_type'),
        ticketType: ruleTicketTypeFromProto(req.ticketType, 'ticket_type'),
        escalationLevel: req.escalationLevel === 0 ? null : req.escalationLevel,
        audience: audienceFromProto(req.audience, 'audience'),
      });
      return { rule: res.rule ? routingRuleToProto(res.rule) : undefined, deleted: res.deleted, changed: res.changed };
    }),

    /**
     * ResolveRecipients (proto contract). Without `audiences` the routing rules of the type decide;
     * with them each audience (with its parameters: work_zone, group_id, roles, customer_id,
     * staff_id, phone) replaces the rules, on `channels` (empty = [WHATSAPP]; groups WhatsApp only:
     * a group asked for on channels without WhatsApp is left out as CHANNEL_UNSUPPORTED).
     * Errors: INVALID_ARGUMENT naming the field (`notification_type`, `audiences[i].kind`,
     * `audiences[i].work_zone` / `.group_id` / `.roles` / `.customer_id` / `.staff_id` / `.phone`,
     * `channels`, `page_token`, `page.page_size`); NOT_FOUND when the type has no routing rules and no audiences
     * are given. An unknown group / customer / staff id is left out (NOT_FOUND), not an error.
     */
    resolveRecipients: unary((req: customerv1.ResolveRecipientsRequest, ctx) => resolveOnePage(req, ctx)),

    /**
     * The requests resolved concurrently (so their directory reads share statements: the
     * repositories batch concurrent reads), answered in order; a request failing with
     * ValidationError / NotFoundError gets its error result, any other failure fails the call.
     */
    batchResolveRecipients: unary(async (req: customerv1.BatchResolveRecipientsRequest, ctx) => {
      if (req.requests.length > BATCH_RESOLVE_MAX) {
        throw new ValidationError('requests', `at most ${BATCH_RESOLVE_MAX} requests in one call, got ${req.requests.length}`);
      }
      const results = await Promise.all(req.requests.map((one) => resolveOnePage(one, ctx).then(
        (resolved): customerv1.BatchResolveRecipientsResult => ({ outcome: { $case: 'resolved', value: resolved } }),
        (err: unknown): customerv1.BatchResolveRecipientsResult => {
          if (!(err instanceof ValidationError) && !(err instanceof NotFoundError)) throw err;
          return { outcome: { $case: 'error', value: itemErrorOf(err) } };
        },
      )));
      return { results };
    }),
  };
}

/**
 * A ResolveRecipients page token: `{ r, c, a }` = resume after that position (see
 * ResolutionPosition), or the former `{ o }` = skip that many items. ValidationError(`page_token`)
 * for anything else.
 */
function resolvePosition(token: string): { after?: ResolutionPosition; offset: number } {
  if (!token) return { offset: 0 };
  const bad = () => new ValidationError('page_token', 'is not a valid page token');
  let raw: Record<string, string>;
  try {
    raw = decodePageToken(token, ['r', 'c', 'a'] as const);
  } catch {
    const offset = Number(decodePageToken(token, ['o'] as const).o);
    if (!Number.isSafeInteger(offset) || offset < 0) throw bad();
    return { offset };
  }
  const rule = Number(raw['r']);
  const consumed = Number(raw['c']);
  if (!Number.isSafeInteger(rule) || rule < 0 || !Number.isSafeInteger(consumed) || consumed < 0) throw bad();
  return { after: { rule, consumed, lastId: raw['a']! }, offset: 0 };
}

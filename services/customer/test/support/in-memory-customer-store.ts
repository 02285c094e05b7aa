import { AlreadyExistsError, ConflictError } from '@notify/errors';
import {
  coversZone,
  formatInvoiceNumber,
  invoiceNumberMonth,
  subjectKey,
  type Customer,
  type CustomerEvent,
  type OptOutEvent,
  type PreferencesEvent,
  type Invoice,
  type InvoiceStatusEvent,
  type NotificationPreferences,
  type OptOut,
  type PhoneSearch,
  type RoutingRule,
  type Staff,
  type WhatsAppGroup,
} from '../../src/domain';
import { optedOutChannelsByPhone } from '../../src/application';
import type {
  CandidateFactsReader,
  CustomerCursor,
  CustomerListFilter,
  CustomerRepository,
  CustomerTransaction,
  CustomerUnitOfWork,
  GroupRepository,
  InvoiceRepository,
  OptOutRepository,
  PreferencesRepository,
  RecordedCreateRequest,
  RoutingRuleRepository,
  StaffRepository,
} from '../../src/application';

/**
 * In-memory stand-in for the customer schema. Customer writes go through a unit of work that
 * stages and applies on commit; the unique phone index and the version check are enforced at
 * commit. Counters record how the ports were used (batching, streaming).
 */
export class InMemoryCustomerStore {
  readonly customerRows = new Map<string, Customer>();
  readonly outboxRows: Array<CustomerEvent | PreferencesEvent | OptOutEvent | InvoiceStatusEvent> = [];
  readonly staffRows = new Map<string, Staff>();
  readonly groupRows = new Map<string, WhatsAppGroup>();
  readonly preferenceRows = new Map<string, NotificationPreferences>();
  readonly optOutRows = new Map<string, OptOut>();
  readonly invoiceRows = new Map<string, Invoice>();
  readonly ruleRows = new Map<string, RoutingRule>();
  /** create_requests: `<rpc>|<request_id>` → the entity it created and the request's fingerprint. */
  readonly requestRows = new Map<string, RecordedCreateRequest>();
  readonly calls = { getMany: 0, findByPhones: 0, streamedCustomers: 0, maxPreferenceBatch: 0, invoiceStatusUpdates: 0 };
  failNextAppend: Error | null = null;

  readonly customers: CustomerRepository = customerRepo(this, null);

  readonly uow: CustomerUnitOfWork = {
    run: async <T>(work: (tx: CustomerTransaction) => Promise<T>): Promise<T> => {
      const staged = new Map<string, { customer: Customer; expected: number }>();
      const events: Array<CustomerEvent | PreferencesEvent | OptOutEvent | InvoiceStatusEvent> = [];
      const stagedPreferences: NotificationPreferences[] = [];
      const stagedOptOuts: OptOut[] = [];
      const stagedRequests = new Map<string, RecordedCreateRequest>();
      /** Invoices whose status this transaction changed, as they are after it (applied on commit). */
      const stagedInvoices = new Map<string, Invoice>();
      const invoiceSeen = (id: string) => stagedInvoices.get(id) ?? this.invoiceRows.get(id) ?? null;
      const tx: CustomerTransaction = {
        customers: customerRepo(this, staged),
        preferences: {
          get: (subject) => this.preferences.get(subject),
          getMany: (subjects) => this.preferences.getMany(subjects),
          save: async (p) => {
            stagedPreferences.push(p);
          },
        },
        optOuts: {
          addIfAbsent: async (o) => {
            const existing = this.optOutRows.get(`${o.phone}|${o.channel}`) ?? stagedOptOuts.find((x) => x.phone === o.phone && x.channel === o.channel);
            if (existing) return existing;
            stagedOptOuts.push(o);
            return o;
          },
          remove: (phone, channels) => this.optOuts.remove(phone, channels),
          findByPhones: (phones) => this.optOuts.findByPhones(phones),
        },
        // Status changes are staged (conditional on the status this transaction sees); the other
        // methods go to the store (no test writes or lists invoices inside a transaction).
        invoices: {
          insert: (i) => this.invoices.insert(i),
          listUnpaidDue: (dates, limit, after) => this.invoices.listUnpaidDue(dates, limit, after),
          list: (f, limit, after) => this.invoices.list(f, limit, after),
          findById: async (id) => invoiceSeen(id),
          findByNumber: async (number) => {
            const stored = await this.invoices.findByNumber(number);
            return stored ? invoiceSeen(stored.id) : null;
          },
          updateStatus: async (i, expected) => {
            this.calls.invoiceStatusUpdates += 1;
            const seen = invoiceSeen(i.id);
            if (!seen || seen.status !== expected) return false;
            stagedInvoices.set(i.id, { ...seen, status: i.status, statusChangedAt: i.statusChangedAt, statusReason: i.statusReason, statusChangedBy: i.statusChangedBy });
            return true;
          },
        },
        requests: {
          claim: async (rpc, requestId, entityId, fingerprint) => {
            const key = `${rpc}|${requestId}`;
            const prior = stagedRequests.get(key) ?? this.requestRows.get(key);
            if (prior) return prior;
            stagedRequests.set(key, { entityId, fingerprint });
            return null;
          },
        },
        outbox: {
          append: async (e) => {
            if (this.failNextAppend) {
              const err = this.failNextAppend;
              this.failNextAppend = null;
              throw err;
            }
            events.push(e);
          },
        },
      };
      const result = await work(tx);
      for (const { customer, expected } of staged.values()) {
        if ((this.customerRows.get(customer.id)?.version ?? 0) !== expected) throw new ConflictError(`customer ${customer.id} changed`);
        const holder = [...this.customerRows.values()].find((c) => c.phone === customer.phone && c.id !== customer.id);
        if (holder) throw new AlreadyExistsError(`phone ${customer.phone} already belongs to customer ${holder.id}`, { entity: 'customer', id: holder.id });
      }
      for (const { customer } of staged.values()) this.customerRows.set(customer.id, customer);
      for (const p of stagedPreferences) await this.preferences.save(p);
      for (const o of stagedOptOuts) await this.optOuts.addIfAbsent(o);
      for (const i of stagedInvoices.values()) this.invoiceRows.set(i.id, i);
      for (const [key, r] of stagedRequests) this.requestRows.set(key, r);
      this.outboxRows.push(...events);
      return result;
    },
  };

  readonly staff: StaffRepository = {
    findById: async (id) => this.staffRows.get(id) ?? null,
    findByPhone: async (phone) => [...this.staffRows.values()].find((s) => s.phone === phone) ?? null,
    insert: async (s) => {
      if (this.staffRows.has(s.id)) throw new AlreadyExistsError(`staff ${s.id} exists`);
      if (s.phone && [...this.staffRows.values()].some((x) => x.phone === s.phone)) throw new AlreadyExistsError(`phone ${s.phone} taken`);
      this.staffRows.set(s.id, s);
    },
    update: async (s) => {
      if (!this.staffRows.has(s.id)) return false;
      if (s.phone && [...this.staffRows.values()].some((x) => x.phone === s.phone && x.id !== s.id)) throw new AlreadyExistsError(`phone ${s.phone} taken`);
      this.staffRows.set(s.id, s);
      return true;
    },
    list: async (f, limit, after) =>
      [...this.staffRows.values()]
        .filter((s) => (!f.roles?.length || f.roles.includes(s.role)) && (f.active === undefined || s.active === f.active))
        .filter((s) => !f.workZone || coversZone(s, f.workZone))
        .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
        .filter((s) => !after || s.name.localeCompare(after.name) > 0 || (s.name === after.name && s.id > after.id))
        .slice(0, limit),
    listByRoles: async (roles) => [...this.staffRows.values()].filter((s) => !roles || roles.includes(s.role)),
  };

  readonly groups: GroupRepository = {
    findById: async (id) => this.groupRows.get(id) ?? null,
    findByChatId: async (chatId) => [...this.groupRows.values()].find((g) => g.chatId === chatId) ?? null,
    insert: async (g) => {
      if ([...this.groupRows.values()].some((x) => x.chatId === g.chatId)) throw new AlreadyExistsError(`chat id ${g.chatId} taken`);
      this.groupRows.set(g.id, g);
    },
    update: async (g) => {
      if ([...this.groupRows.values()].some((x) => x.chatId === g.chatId && x.id !== g.id)) throw new AlreadyExistsError('chat id taken');
      this.groupRows.set(g.id, g);
    },
    delete: async (id) => this.groupRows.delete(id),
    list: async (f) =>
      [...this.groupRows.values()]
        .filter((g) => (!f.categories?.length || f.categories.includes(g.category)) && (f.active === undefined || g.active === f.active))
        .filter((g) => !f.workZone || g.workZone === null || g.workZone === f.workZone)
        .sort((a, b) => a.name.localeCompare(b.name)),
  };

  readonly preferences: PreferencesRepository = {
    get: async (s) => this.preferenceRows.get(subjectKey(s)) ?? null,
    getMany: async (subjects) => {
      this.calls.getMany += 1;
      this.calls.maxPreferenceBatch = Math.max(this.calls.maxPreferenceBatch, subjects.length);
      const out = new Map<string, NotificationPreferences>();
      for (const s of subjects) {
        const p = this.preferenceRows.get(subjectKey(s));
        if (p) out.set(subjectKey(s), p);
      }
      return out;
    },
    save: async (p) => void this.preferenceRows.set(subjectKey(p.subject), p),
  };

  readonly optOuts: OptOutRepository = {
    addIfAbsent: async (o) => {
      const key = `${o.phone}|${o.channel}`;
      if (!this.optOutRows.has(key)) this.optOutRows.set(key, o);
      return this.optOutRows.get(key)!;
    },
    remove: async (phone, channels) => {
      let n = 0;
      for (const c of channels) if (this.optOutRows.delete(`${phone}|${c}`)) n += 1;
      return n;
    },
    findByPhones: async (phones) => {
      this.calls.findByPhones += 1;
      const set = new Set(phones);
      return [...this.optOutRows.values()].filter((o) => set.has(o.phone));
    },
  };

  /** The two in-memory reads above, so their counters (batch sizes) still see every batch. */
  readonly facts: CandidateFactsReader = {
    factsOf: async (subjects, phones) => ({
      preferences: await this.preferences.getMany(subjects),
      optedOut: optedOutChannelsByPhone(phones.length ? await this.optOuts.findByPhones(phones) : []),
    }),
  };

  /** Last invoice sequence number given per month `YYYYMM` (`invoice_number_counters`). */
  readonly invoiceCounters = new Map<string, number>();

  readonly invoices: InvoiceRepository = {
    insert: async (i) => {
      if (this.invoiceRows.has(i.id)) throw new AlreadyExistsError(`invoice ${i.id} already exists`);
      const taken = (n: string) => [...this.invoiceRows.values()].some((r) => r.number === n);
      let stored = i;
      if (i.number === null) {
        const month = invoiceNumberMonth(i.createdAt);
        do {
          const seq = (this.invoiceCounters.get(month) ?? 0) + 1;
          this.invoiceCounters.set(month, seq);
          stored = { ...i, number: formatInvoiceNumber(month, seq) };
        } while (taken(stored.number!));
      } else if (taken(i.number)) {
        const holder = [...this.invoiceRows.values()].find((r) => r.number === i.number)!;
        throw new AlreadyExistsError(`invoice number ${i.number} already exists`, { entity: 'invoice', id: holder.id });
      }
      this.invoiceRows.set(i.id, stored);
      return stored;
    },
    listUnpaidDue: async (dates, limit, after) =>
      [...this.invoiceRows.values()]
        .filter((i) => i.status === 'UNPAID' && dates.includes(i.dueDate))
        .sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.id.localeCompare(b.id))
        .filter((i) => !after || i.dueDate > after.dueDate || (i.dueDate === after.dueDate && i.id > after.id))
        .slice(0, limit),
    findById: async (id) => this.invoiceRows.get(id) ?? null,
    findByNumber: async (number) => [...this.invoiceRows.values()].find((i) => i.number === number) ?? null,
    updateStatus: async (i, expected) => {
      this.calls.invoiceStatusUpdates += 1;
      const stored = this.invoiceRows.get(i.id);
      if (!stored || stored.status !== expected) return false;
      this.invoiceRows.set(i.id, { ...stored, status: i.status, statusChangedAt: i.statusChangedAt, statusReason: i.statusReason, statusChangedBy: i.statusChangedBy });
      return true;
    },
    // due date, then id, both descending (bytewise, as Postgres COLLATE "C").
    list: async (f, limit, after) =>
      [...this.invoiceRows.values()]
        .filter((i) => (!f.customerId || i.customerId === f.customerId) && (!f.statuses?.length || f.statuses.includes(i.status)))
        .sort((a, b) => (a.dueDate === b.dueDate ? (a.id < b.id ? 1 : a.id > b.id ? -1 : 0) : a.dueDate < b.dueDate ? 1 : -1))
        .filter((i) => !after || i.dueDate < after.dueDate || (i.dueDate === after.dueDate && i.id < after.id))
        .slice(0, limit),
  };

  readonly rules: RoutingRuleRepository = {
    list: async (f) =>
      [...this.ruleRows.values()]
        .filter((r) => !f.notificationType || r.notificationType === f.notificationType)
        .sort((a, b) => a.id.localeCompare(b.id)),
    upsert: async (r) => {
      const stored = { ...r, updatedAt: new Date() };
      this.ruleRows.set(r.id, stored);
      return stored;
    },
    delete: async (id) => this.ruleRows.delete(id),
    insertMissing: async (rules) => {
      let n = 0;
      for (const r of rules) {
        if (!this.ruleRows.has(r.id)) {
          this.ruleRows.set(r.id, r);
          n += 1;
        }
      }
      return n;
    },
  };
}

/** CustomerListFilter.phone as PgCustomerRepository.list applies it (starts with / contains the digits). */
function matchesPhone(phone: string, search: PhoneSearch | undefined): boolean {
  if (!search) return false;
  return search.prefix ? phone.startsWith(search.digits) : phone.includes(search.digits);
}

function customerRepo(
  store: InMemoryCustomerStore,
  staged: Map<string, { customer: Customer; expected: number }> | null,
): CustomerRepository {
  const visible = () => {
    const all = new Map(store.customerRows);
    if (staged) for (const [id, s] of staged) all.set(id, s.customer);
    return [...all.values()];
  };
  // name, then id, bytewise (as Postgres COLLATE "C").
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  const order = (a: { name: string; id: string }, b: { name: string; id: string }) => cmp(a.name, b.name) || cmp(a.id, b.id);
  return {
    findById: async (id) => visible().find((c) => c.id === id) ?? null,
    findByPhone: async (phone) => visible().find((c) => c.phone === phone) ?? null,
    save: async (customer, expectedVersion) => {
      if (!staged) throw new Error('save outside a unit of work');
      const current = visible().find((c) => c.id === customer.id);
      if ((current?.version ?? 0) !== expectedVersion) throw new ConflictError(`customer ${customer.id} version mismatch`);
      staged.set(customer.id, { customer, expected: staged.get(customer.id)?.expected ?? expectedVersion });
    },
    list: async (f: CustomerListFilter, limit: number, after: CustomerCursor | null) =>
      visible()
        .filter((c) => (!f.statuses?.length || f.statuses.includes(c.status)) && (!f.workZone || c.workZone === f.workZone))
        .filter((c) => !f.query || c.name.toLowerCase().includes(f.query.toLowerCase()) || c.phone.includes(f.query) || matchesPhone(c.phone, f.phone))
        .sort(order)
        .filter((c) => !after || order(after, c) < 0)
        .slice(0, limit),
    streamActive: async function* (f) {
      const rows = visible()
        .filter((c) => c.status === 'ACTIVE' && (!f.area || c.workZone === f.area))
        .filter((c) => !f.afterId || c.id > f.afterId)
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      for (const c of rows) {
        store.calls.streamedCustomers += 1;
        yield c;
      }
    },
  };
}

import { ConflictError } from '@notify/errors';
import {
  computeOpenWork,
  computeTicketStats,
  type OpenWork,
  type Ticket,
  type TicketEvent,
  type TicketStats,
  type TicketStatsQuery,
  type TicketType,
} from '../../src/domain';
import type {
  CreateRequestLog,
  ProcessedMessageLog,
  TicketCursor,
  TicketOrder,
  TicketEventOutbox,
  TicketListFilter,
  TicketNumberSequence,
  TicketRepository,
  TicketTransaction,
  TicketUnitOfWork,
} from '../../src/application';

/**
 * In-memory stand-in for the ticket schema: committed tickets, outbox rows and processed
 * message keys. Units of work stage their writes and apply them on commit (all or nothing),
 * re-checking versions at commit like a row-level `WHERE version = $expected`.
 */
export class InMemoryTicketStore {
  readonly tickets = new Map<string, Ticket>();
  readonly outbox: TicketEvent[] = [];
  readonly processed = new Map<string, string>();
  readonly createRequests = new Map<string, { ticketId: string; fingerprint: string }>();
  /** Keys claimed by a transaction that has not finished (like a row lock). */
  readonly pendingClaims = new Set<string>();
  /** Called before every read of one ticket; tests use it to line up races. */
  beforeRead: (() => Promise<void>) | null = null;
  /** Set to make the next outbox append throw (to prove nothing is half-written). */
  failNextAppend: Error | null = null;
  commits = 0;
  /** Ticket number counters, shared by the service-wide sequence and the units of work. */
  readonly numbers = new InMemoryTicketNumberSequence();

  /** Repository over committed data (for queries outside a unit of work). */
  readonly repository: TicketRepository = new StagedRepository(this, null);

  readonly uow: TicketUnitOfWork = {
    run: async <T>(work: (tx: TicketTransaction) => Promise<T>): Promise<T> => {
      const tx = new Tx(this);
      try {
        const result = await work(tx);
        tx.commit();
        return result;
      } finally {
        tx.release();
      }
    },
  };
}

class Tx implements TicketTransaction {
  readonly staged = new Map<string, { ticket: Ticket; expected: number }>();
  readonly events: TicketEvent[] = [];
  readonly claims = new Map<string, string>();
  readonly tickets: TicketRepository;
  readonly outbox: TicketEventOutbox;
  readonly processed: ProcessedMessageLog;
  readonly createRequests: CreateRequestLog;
  readonly requestClaims = new Map<string, { ticketId: string; fingerprint: string }>();
  readonly numbers: TicketNumberSequence;
  /** Numbers drawn in this transaction, given back unless it commits (like a rolled-back upsert). */
  private readonly drawn: Array<{ type: TicketType; dayKey: string; n: number }> = [];
  private committed = false;

  constructor(private readonly store: InMemoryTicketStore) {
    this.tickets = new StagedRepository(store, this);
    this.outbox = {
      append: async (event) => {
        if (store.failNextAppend) {
          const err = store.failNextAppend;
          store.failNextAppend = null;
          throw err;
        }
        this.events.push(event);
      },
    };
    this.processed = {
      claim: async (key, eventId) => {
        if (store.processed.has(key) || store.pendingClaims.has(key) || this.claims.has(key)) return false;
        store.pendingClaims.add(key);
        this.claims.set(key, eventId);
        return true;
      },
    };
    this.numbers = {
      next: async (type, dayKey) => {
        const n = await store.numbers.next(type, dayKey);
        this.drawn.push({ type, dayKey, n });
        return n;
      },
      release: (type, dayKey, n) => store.numbers.release(type, dayKey, n),
    };
    this.createRequests = {
      claim: async (requestId, ticketId, fingerprint) => {
        const prior = store.createRequests.get(requestId) ?? this.requestClaims.get(requestId);
        if (prior) return prior;
        this.requestClaims.set(requestId, { ticketId, fingerprint });
        return null;
      },
    };
  }

  commit(): void {
    for (const { ticket, expected } of this.staged.values()) {
      const current = this.store.tickets.get(ticket.id);
      if ((current?.version ?? 0) !== expected) {
        throw new ConflictError(`ticket ${ticket.number} changed concurrently`);
      }
    }
    for (const { ticket } of this.staged.values()) this.store.tickets.set(ticket.id, ticket);
    this.store.outbox.push(...this.events);
    for (const [key, eventId] of this.claims) this.store.processed.set(key, eventId);
    for (const [key, value] of this.requestClaims) this.store.createRequests.set(key, value);
    this.store.commits += 1;
    this.committed = true;
  }

  release(): void {
    if (!this.committed) for (const d of [...this.drawn].reverse()) void this.store.numbers.release(d.type, d.dayKey, d.n);
    for (const key of this.claims.keys()) this.store.pendingClaims.delete(key);
  }
}

class StagedRepository implements TicketRepository {
  constructor(
    private readonly store: InMemoryTicketStore,
    private readonly tx: Tx | null,
  ) {}

  private visible(): Map<string, Ticket> {
    const all = new Map(this.store.tickets);
    if (this.tx) for (const [id, s] of this.tx.staged) all.set(id, s.ticket);
    return all;
  }

  async findById(id: string): Promise<Ticket | null> {
    if (this.store.beforeRead) await this.store.beforeRead();
    return this.visible().get(id) ?? null;
  }

  async findByNumber(number: string): Promise<Ticket | null> {
    if (this.store.beforeRead) await this.store.beforeRead();
    return [...this.visible().values()].find((t) => t.number === number) ?? null;
  }

  async save(ticket: Ticket, expectedVersion: number): Promise<void> {
    if (!this.tx) throw new Error('save outside a unit of work');
    const current = this.visible().get(ticket.id);
    if ((current?.version ?? 0) !== expectedVersion) {
      throw new ConflictError(
        `ticket ${ticket.number} is at version ${current?.version ?? 0}, expected ${expectedVersion}`,
      );
    }
    if (expectedVersion === 0 && [...this.visible().values()].some((t) => t.number === ticket.number)) {
      throw new ConflictError(`ticket number ${ticket.number} already exists`);
    }
    const prior = this.tx.staged.get(ticket.id);
    this.tx.staged.set(ticket.id, { ticket, expected: prior ? prior.expected : expectedVersion });
  }

  async list(filter: TicketListFilter, limit: number, after: TicketCursor | null, by: TicketOrder = 'created_desc'): Promise<Ticket[]> {
    const key = (t: Pick<Ticket, 'createdAt' | 'slaDueAt'>) => (by === 'sla_due_asc' ? t.slaDueAt : t.createdAt).getTime();
    const sign = by === 'sla_due_asc' ? 1 : -1;
    const order = (a: Pick<Ticket, 'createdAt' | 'slaDueAt' | 'id'>, b: Pick<Ticket, 'createdAt' | 'slaDueAt' | 'id'>) =>
      sign * (key(a) - key(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return [...this.visible().values()]
      .filter((t) => !filter.statuses || filter.statuses.includes(t.status))
      .filter((t) => !filter.type || t.type === filter.type)
      .filter((t) => !filter.types || filter.types.includes(t.type))
      .filter((t) => !filter.priorities || filter.priorities.includes(t.priority))
      .filter((t) => !filter.createdFrom || t.createdAt.getTime() >= filter.createdFrom.getTime())
      .filter((t) => !filter.createdTo || t.createdAt.getTime() < filter.createdTo.getTime())
      .filter((t) => !filter.workZone || t.workZone === filter.workZone)
      .filter((t) => !filter.technicianId || t.technicianId === filter.technicianId)
      .filter((t) => !filter.customerId || t.customerId === filter.customerId)
      .filter((t) => !filter.slaDueFrom || t.slaDueAt.getTime() >= filter.slaDueFrom.getTime())
      .filter((t) => !filter.slaDueTo || t.slaDueAt.getTime() < filter.slaDueTo.getTime())
      .sort(order)
      .filter((t) => !after || order({ createdAt: after.at, slaDueAt: after.at, id: after.id }, t) < 0)
      .slice(0, limit);
  }

  async stats(query: TicketStatsQuery): Promise<TicketStats> {
    return computeTicketStats(this.visible().values(), query);
  }

  async openWork(workZone: string | null, now: Date): Promise<OpenWork> {
    return computeOpenWork(this.visible().values(), now, workZone);
  }
}

/** Per (type, day) counters starting at 1. */
export class InMemoryTicketNumberSequence implements TicketNumberSequence {
  readonly counters = new Map<string, number>();
  async next(type: TicketType, dayKey: string): Promise<number> {
    const key = `${type}|${dayKey}`;
    const n = (this.counters.get(key) ?? 0) + 1;
    this.counters.set(key, n);
    return n;
  }
  async release(type: TicketType, dayKey: string, sequence: number): Promise<boolean> {
    const key = `${type}|${dayKey}`;
    if (this.counters.get(key) !== sequence) return false;
    this.counters.set(key, sequence - 1);
    return true;
  }
}

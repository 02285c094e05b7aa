import type { EntityManager } from 'typeorm';
import { naturalBatcher, type NaturalBatcher } from '@notify/batching';
import { ConflictError } from '@notify/errors';
import { preparedQuery, qualifiedTable } from '@notify/db';
import { computeOpenWork, computeTicketStats, formatTicketNumber, type OpenWork, type Ticket, type TicketStats, type TicketStatsQuery, type TicketType } from '../../domain';
import type {
  CreateRequestLog,
  RecordedCreateRequest,
  TicketCursor,
  TicketListFilter,
  TicketOrder,
  TicketNumberSequence,
  TicketRepository,
} from '../../application';
import {
  TICKET_COLUMNS, TICKET_ID, ticketFromHistoryRow, ticketFromRow, ticketRowValues, ticketWithHistoryColumns, type TicketRow, type TicketWithHistoryRow,
} from './ticket.row-mapper';

/**
 * Rows of a raw query through TypeORM: SELECT / INSERT … RETURNING give the rows; UPDATE and
 * DELETE give `[rows, affected]` on the Postgres driver.
 */
async function rowsOf<R>(manager: EntityManager, sql: string, params: unknown[]): Promise<R[]> {
  const result: unknown = await manager.query(sql, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as R[];
  }
  return result as R[];
}

/** Rows of a fixed-text statement run as a named prepared statement (libs/db preparedQuery). */
async function preparedRows<R>(manager: EntityManager, sql: string, params: unknown[]): Promise<R[]> {
  return (await preparedQuery<R>(manager, sql, params)).rows;
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } };
  return e?.code === '23505' || e?.driverError?.code === '23505';
}

/**
 * TicketRepository on Postgres (`<schema>.tickets` + `<schema>.ticket_history`) through a
 * TypeORM EntityManager: the DataSource's for reads, a transaction's inside the unit of work.
 * Optimistic concurrency: `UPDATE … WHERE id = $1 AND version = $expected`; 0 rows →
 * ConflictError. Insert (`expectedVersion = 0`) of an existing id or number → ConflictError.
 */
export class PgTicketRepository implements TicketRepository {
  private readonly tickets: string;
  private readonly history: string;

  constructor(
    private readonly manager: EntityManager,
    schema: string,
  ) {
    this.tickets = qualifiedTable(schema, 'tickets');
    this.history = qualifiedTable(schema, 'ticket_history');
  }

  async findById(id: string): Promise<Ticket | null> {
    if (!TICKET_ID.test(id)) return null;
    return this.findOne('id', id);
  }

  async findByNumber(number: string): Promise<Ticket | null> {
    return this.findOne('number', number);
  }

  /** One round trip: the ticket row and its history lines (ticketWithHistoryColumns). */
  private async findOne(column: 'id' | 'number', value: string): Promise<Ticket | null> {
    const rows = await preparedRows<TicketWithHistoryRow>(
      this.manager,
      `SELECT ${ticketWithHistoryColumns(this.history)} FROM ${this.tickets} t WHERE t.${column} = $1`,
      [value],
    );
    return rows[0] ? ticketFromHistoryRow(rows[0]) : null;
  }

  /**
   * One statement: the ticket row (INSERT for `expectedVersion = 0`, else the version-checked
   * UPDATE) and, in a data-modifying CTE that reads the row it wrote, the history lines not
   * stored yet (every line through unnest, seq = 1-based position; ON CONFLICT (ticket_id, seq)
   * skips the stored ones). No row written (an UPDATE whose version moved on) → no history
   * written → ConflictError; a duplicate id or number on insert → ConflictError.
   */
  async save(ticket: Ticket, expectedVersion: number): Promise<void> {
    const values = ticketRowValues(ticket);
    const n = values.length;
    let written: string;
    let params: unknown[];
    if (expectedVersion === 0) {
      const placeholders = TICKET_COLUMNS.map((c, i) => (c === 'created_by' ? `$${i + 1}::jsonb` : `$${i + 1}`));
      written = `INSERT INTO ${this.tickets} (${TICKET_COLUMNS.join(', ')}) VALUES (${placeholders.join(', ')}) RETURNING id`;
      params = values;
    } else {
      const sets = TICKET_COLUMNS.map((c, i) => [c, i] as const)
        .filter(([c]) => c !== 'id')
        .map(([c, i]) => `${c} = $${i + 1}${c === 'created_by' ? '::jsonb' : ''}`);
      written = `UPDATE ${this.tickets} SET ${sets.join(', ')} WHERE id = $1 AND version = $${n + 1} RETURNING id`;
      params = [...values, expectedVersion];
    }
    const h = ticket.history;
    const p = params.length;
    const rows = await preparedRows<{ id: string }>(
      this.manager,
      `WITH w AS (${written}),
            h AS (INSERT INTO ${this.history} (ticket_id, seq, action, from_status, to_status, actor, at, note)
                  SELECT w.id, v.seq, v.action, v.from_status, v.to_status, v.actor, v.at, v.note
                    FROM w, unnest($${p + 1}::int[], $${p + 2}::text[], $${p + 3}::text[], $${p + 4}::text[], $${p + 5}::jsonb[],
                                   $${p + 6}::timestamptz[], $${p + 7}::text[]) AS v(seq, action, from_status, to_status, actor, at, note)
                  ON CONFLICT (ticket_id, seq) DO NOTHING)
       SELECT id FROM w`,
      [...params, h.map((_, i) => i + 1), h.map((x) => x.action), h.map((x) => x.from), h.map((x) => x.to),
        h.map((x) => JSON.stringify(x.actor)), h.map((x) => x.at), h.map((x) => x.note)],
    ).catch((err: unknown) => {
      if (expectedVersion === 0 && isUniqueViolation(err)) throw new ConflictError(`ticket ${ticket.number} (${ticket.id}) already exists`);
      throw err;
    });
    if (rows.length === 0) {
      throw new ConflictError(`ticket ${ticket.number} changed concurrently (expected version ${expectedVersion})`);
    }
  }

  async list(filter: TicketListFilter, limit: number, after: TicketCursor | null, order: TicketOrder = 'created_desc'): Promise<Ticket[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (p: string) => string, value: unknown): void => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (filter.statuses?.length) add((p) => `status = ANY(${p}::text[])`, [...filter.statuses]);
    if (filter.type) add((p) => `type = ${p}`, filter.type);
    if (filter.types?.length) add((p) => `type = ANY(${p}::text[])`, [...filter.types]);
    if (filter.priorities?.length) add((p) => `priority = ANY(${p}::text[])`, [...filter.priorities]);
    if (filter.createdFrom) add((p) => `created_at >= ${p}`, filter.createdFrom);
    if (filter.createdTo) add((p) => `created_at < ${p}`, filter.createdTo);
    if (filter.workZone) add((p) => `work_zone = ${p}`, filter.workZone);
    if (filter.technicianId) add((p) => `technician_id = ${p}`, filter.technicianId);
    if (filter.customerId) add((p) => `customer_id = ${p}`, filter.customerId);
    if (filter.slaDueFrom) add((p) => `sla_due_at >= ${p}`, filter.slaDueFrom);
    if (filter.slaDueTo) add((p) => `sla_due_at < ${p}`, filter.slaDueTo);
    const sla = order === 'sla_due_asc';
    if (after) {
      params.push(after.at, after.id);
      where.push(`(${sla ? 'sla_due_at' : 'created_at'}, id) ${sla ? '>' : '<'} ($${params.length - 1}, $${params.length}::uuid)`);
    }
    params.push(limit);
    const rows = await rowsOf<TicketRow>(
      this.manager,
      `SELECT * FROM ${this.tickets} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${sla ? 'sla_due_at ASC, id ASC' : 'created_at DESC, id DESC'} LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ticketFromRow(r, []));
  }

  /**
   * Loads the projection of the tickets created or completed in [from, to) (and the zone)
   * and applies the domain's `computeTicketStats`, so SQL and domain cannot disagree.
   */
  async stats(query: TicketStatsQuery): Promise<TicketStats> {
    const params: unknown[] = [query.from, query.to];
    let zone = '';
    if (query.workZone) {
      params.push(query.workZone);
      zone = 'AND work_zone = $3';
    }
    const rows = await rowsOf<TicketRow>(
      this.manager,
      `SELECT type, status, work_zone, technician_id, technician_name, created_at, completed_at, sla_due_at
         FROM ${this.tickets}
        WHERE ((created_at >= $1 AND created_at < $2) OR (completed_at >= $1 AND completed_at < $2)) ${zone}`,
      params,
    );
    return computeTicketStats(
      rows.map((r) => ({
        type: r.type,
        status: r.status,
        workZone: r.work_zone,
        technicianId: r.technician_id,
        technicianName: r.technician_name,
        createdAt: r.created_at,
        completedAt: r.completed_at,
        slaDueAt: r.sla_due_at,
      })),
      query,
    );
  }

  /** Open work at `now`: the active tickets' projection (index on status) through `computeOpenWork`. */
  async openWork(workZone: string | null, now: Date): Promise<OpenWork> {
    const params: unknown[] = [];
    let zone = '';
    if (workZone) {
      params.push(workZone);
      zone = 'AND work_zone = $1';
    }
    const rows = await rowsOf<Pick<TicketRow, 'status' | 'work_zone' | 'technician_id' | 'sla_due_at'>>(
      this.manager,
      `SELECT status, work_zone, technician_id, sla_due_at FROM ${this.tickets}
        WHERE status IN ('OPEN', 'ASSIGNED', 'IN_PROGRESS') ${zone}`,
      params,
    );
    return computeOpenWork(
      rows.map((r) => ({ status: r.status, workZone: r.work_zone, technicianId: r.technician_id, slaDueAt: r.sla_due_at })),
      now,
      workZone,
    );
  }
}

/**
 * TicketNumberSequence on `<schema>.ticket_number_counters`: an upsert that returns the new
 * counter, atomic across replicas (the row lock serializes concurrent callers). Over a
 * transaction's EntityManager (TicketTransaction.numbers) the draw commits or rolls back with the
 * ticket it numbers, and the row stays locked until then; over the DataSource's manager each draw
 * commits at once (the TicketWriter path, which calls `release` when its write fails).
 *
 * Concurrent calls share one statement (naturalBatcher): the batch's requests per (type, day)
 * are counted and ONE upsert adds each count (`last = last + n`) and returns the new last value,
 * so the n callers get last − n + 1 … last in the order they asked. Every statement holds the
 * counter row until it commits (with its WAL flush); one statement per caller made the CreateTicket
 * calls of a busy minute queue behind each other on that lock (1.4 ms each in the lifecycle
 * benchmark, by pg_stat_statements on a second cluster), one per batch does not.
 */
export class PgTicketNumberSequence implements TicketNumberSequence {
  private readonly counters: string;
  private readonly tickets: string;
  private readonly batcher: NaturalBatcher<{ type: TicketType; day: string }, number>;

  constructor(
    private readonly manager: EntityManager,
    schema: string,
  ) {
    this.counters = qualifiedTable(schema, 'ticket_number_counters');
    this.tickets = qualifiedTable(schema, 'tickets');
    this.batcher = naturalBatcher((keys) => this.draw(keys));
  }

  next(type: TicketType, dayKey: string): Promise<number> {
    return this.batcher.load({ type, day: dayKey });
  }

  /**
   * See TicketNumberSequence.release; also never when a ticket holds that number after all (a
   * write whose COMMIT went through although its answer was lost): the counter would then sit
   * below a stored number and every later draw of it would clash.
   */
  async release(type: TicketType, dayKey: string, sequence: number): Promise<boolean> {
    const rows = await preparedRows<{ last: number }>(
      this.manager,
      `UPDATE ${this.counters} SET last = last - 1 WHERE type = $1 AND day = $2 AND last = $3
         AND NOT EXISTS (SELECT 1 FROM ${this.tickets} WHERE number = $4) RETURNING last`,
      [type, dayKey, sequence, formatTicketNumber(type, dayKey, sequence)],
    );
    return rows.length === 1;
  }

  /** One upsert for a batch: the count per (type, day) added, numbers handed out in request order. */
  private async draw(keys: ReadonlyArray<{ type: TicketType; day: string }>): Promise<Array<number | Error>> {
    const counts = new Map<string, { type: TicketType; day: string; n: number }>();
    for (const k of keys) {
      const id = `${k.type}|${k.day}`;
      const c = counts.get(id);
      if (c) c.n += 1;
      else counts.set(id, { type: k.type, day: k.day, n: 1 });
    }
    const groups = [...counts.values()];
    const rows = await preparedRows<{ type: string; day: string; last: number }>(
      this.manager,
      `INSERT INTO ${this.counters} AS c (type, day, last)
       SELECT * FROM unnest($1::text[], $2::text[], $3::int[])
       ON CONFLICT (type, day) DO UPDATE SET last = c.last + EXCLUDED.last RETURNING type, day, last`,
      [groups.map((g) => g.type), groups.map((g) => g.day), groups.map((g) => g.n)],
    );
    const next = new Map<string, number>();
    for (const r of rows) {
      const g = counts.get(`${r.type}|${r.day}`);
      if (g) next.set(`${r.type}|${r.day}`, Number(r.last) - g.n + 1);
    }
    return keys.map((k) => {
      const id = `${k.type}|${k.day}`;
      const n = next.get(id);
      if (n === undefined) return new Error(`ticket number counter upsert returned no row for ${id}`);
      next.set(id, n + 1);
      return n;
    });
  }
}

/** CreateRequestLog on `<schema>.ticket_create_requests` (use with a transaction's EntityManager). */
export class PgCreateRequestLog implements CreateRequestLog {
  private readonly requests: string;

  constructor(
    private readonly manager: EntityManager,
    schema: string,
  ) {
    this.requests = qualifiedTable(schema, 'ticket_create_requests');
  }

  async claim(requestId: string, ticketId: string, fingerprint: string): Promise<RecordedCreateRequest | null> {
    const inserted = await rowsOf<{ request_id: string }>(
      this.manager,
      `INSERT INTO ${this.requests} (request_id, ticket_id, fingerprint) VALUES ($1, $2, $3)
       ON CONFLICT (request_id) DO NOTHING RETURNING request_id`,
      [requestId, ticketId, fingerprint],
    );
    if (inserted.length === 1) return null;
    const [prior] = await rowsOf<{ ticket_id: string; fingerprint: string }>(
      this.manager,
      `SELECT ticket_id, fingerprint FROM ${this.requests} WHERE request_id = $1`,
      [requestId],
    );
    if (!prior) throw new ConflictError(`request_id ${requestId} is being used concurrently`);
    return { ticketId: prior.ticket_id, fingerprint: prior.fingerprint };
  }
}

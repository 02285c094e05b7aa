import type { DataSource } from 'typeorm';
import { naturalBatcher, type NaturalBatcher } from '@notify/batching';
import { outboxChannel, outboxInsertParams, outboxInsertSql, preparedQuery, qualifiedTable, type HandedOffEvent, type KeyedOutboxEvent } from '@notify/db';
import { ConflictError } from '@notify/errors';
import { injectTraceHeaders } from '@notify/telemetry';
import { canonicalTicketNumber, type Ticket, type TicketEvent } from '../../domain';
import type { TicketChange, TicketWriter } from '../../application';
import { ticketOutboxEvent, type PgTicketUnitOfWorkOptions } from './ticket.unit-of-work';
import { TICKET_COLUMNS, TICKET_ID, ticketFromHistoryRow, ticketRowValues, ticketWithHistoryColumns, type TicketWithHistoryRow } from './ticket.row-mapper';

/**
 * Options of {@link PgTicketWriter}: those of the unit of work (schema, namespace, and
 * `onCommitted`, called after a statement that wrote changes, with their events in order).
 */
export interface PgTicketWriterOptions extends PgTicketUnitOfWorkOptions {
  /** Changes written by one statement at most (default 128). */
  readonly maxBatchSize?: number;
  /**
   * The service's outbox relay's handoff (OutboxRelay.handoff): the events of the rows written
   * are handed to it after the statement, and the statement sends no NOTIFY. Absent: NOTIFY, and
   * the relay claims them.
   */
  readonly handoff?: (events: readonly HandedOffEvent[]) => void;
}

/** Postgres array type of each column of {@link TICKET_COLUMNS}, for `unnest`. */
const COLUMN_TYPES: Readonly<Record<(typeof TICKET_COLUMNS)[number], string>> = {
  id: 'uuid', number: 'text', type: 'text', status: 'text', priority: 'text', customer_id: 'text', work_zone: 'text', address: 'text',
  description: 'text', technician_id: 'text', technician_name: 'text', escalation_level: 'int', escalation_reason: 'text',
  completion_notes: 'text', cancel_reason: 'text', created_at: 'timestamptz', updated_at: 'timestamptz', sla_due_at: 'timestamptz',
  assigned_at: 'timestamptz', started_at: 'timestamptz', completed_at: 'timestamptz', cancelled_at: 'timestamptz', created_by: 'jsonb',
  version: 'int', title: 'text',
};

interface PendingCommit {
  readonly change: TicketChange;
  /** The encoded event, with the trace context of the caller that committed it. */
  readonly event: KeyedOutboxEvent;
}

/**
 * TicketWriter on Postgres (`<schema>.tickets`, `ticket_history`, `outbox`) with natural
 * batching (@notify/batching): the lifecycle RPCs that arrive together share one read and one
 * write statement, with no transaction held open across a round trip.
 *
 * - `find`: the tickets of a batch of refs (ids and numbers) with their history in ONE SELECT
 *   (json_agg of the history beside each row, as PgTicketRepository.findById).
 * - `commit`: the changes of a batch in ONE statement of data-modifying CTEs, atomic without
 *   BEGIN/COMMIT: the version-checked UPDATEs (`version = expected`, from unnest), the INSERTs of
 *   new tickets (ON CONFLICT DO NOTHING: an existing id or number is not written), the history
 *   lines and the outbox events of the rows written only (libs/db outboxInsertSql), and the
 *   relay's NOTIFY (or, with `handoff`, the events go straight to this process's relay after the
 *   statement: no claim, no NOTIFY). A change whose row was not written gets ConflictError, alone; the others of
 *   its batch are stored. Two changes of one ticket in a batch were made from the same read: the
 *   second gets ConflictError at once (its transition is retried on the fresh ticket). A statement
 *   that fails as a whole (not expected: a constraint the domain did not check) is retried one
 *   change at a time, so the error reaches only the change that causes it.
 *
 * Before this, a transition took five round trips in a TypeORM transaction (BEGIN, read, save,
 * outbox insert, COMMIT) for each RPC.
 */
export class PgTicketWriter implements TicketWriter {
  private readonly finds: NaturalBatcher<string, Ticket | null>;
  private readonly commits: NaturalBatcher<PendingCommit, true>;
  private readonly readSql: string;
  private readonly writeSql: string;
  private readonly channel: string;

  constructor(
    private readonly ds: DataSource,
    private readonly options: PgTicketWriterOptions,
  ) {
    const tickets = qualifiedTable(options.schema, 'tickets');
    const history = qualifiedTable(options.schema, 'ticket_history');
    this.channel = outboxChannel(options.schema);
    const withHistory = ticketWithHistoryColumns(history);
    this.readSql = `SELECT ${withHistory} FROM ${tickets} t WHERE t.id = ANY($1::uuid[])
       UNION ALL
       SELECT ${withHistory} FROM ${tickets} t WHERE t.number = ANY($2::text[])`;

    const n = TICKET_COLUMNS.length;
    const cols = TICKET_COLUMNS.join(', ');
    const arrays = TICKET_COLUMNS.map((c, i) => `$${i + 1}::${COLUMN_TYPES[c]}[]`).join(', ');
    const sets = TICKET_COLUMNS.filter((c) => c !== 'id').map((c) => `${c} = v.${c}`).join(', ');
    const h = n + 2; // history arrays start after the columns and `expected`
    const o = h + 8; // outbox arrays after the eight history arrays
    this.writeSql = `WITH v AS (
         SELECT * FROM unnest(${arrays}, $${n + 1}::int[]) AS v(${cols}, expected)),
       upd AS (
         UPDATE ${tickets} t SET ${sets}
           FROM v WHERE v.expected > 0 AND t.id = v.id AND t.version = v.expected
         RETURNING t.id),
       ins AS (
         INSERT INTO ${tickets} (${cols}) SELECT ${cols} FROM v WHERE v.expected = 0
         ON CONFLICT DO NOTHING RETURNING id),
       w AS (SELECT id FROM upd UNION ALL SELECT id FROM ins),
       h AS (
         INSERT INTO ${history} (ticket_id, seq, action, from_status, to_status, actor, at, note)
         SELECT x.ticket_id, x.seq, x.action, x.from_status, x.to_status, x.actor, x.at, x.note
           FROM unnest($${h}::uuid[], $${h + 1}::int[], $${h + 2}::text[], $${h + 3}::text[], $${h + 4}::text[], $${h + 5}::jsonb[],
                       $${h + 6}::timestamptz[], $${h + 7}::text[]) AS x(ticket_id, seq, action, from_status, to_status, actor, at, note)
           JOIN w ON w.id = x.ticket_id
         ON CONFLICT (ticket_id, seq) DO NOTHING),
       o AS (${outboxInsertSql(options.schema, o, { cte: 'w', column: 'id' })})
       SELECT w.id::text AS id, CASE WHEN $${o + 5}::text <> '' THEN pg_notify($${o + 5}, '') END AS wake FROM w`;

    this.finds = naturalBatcher((refs) => this.read(refs), { maxBatchSize: options.maxBatchSize ?? 128 });
    this.commits = naturalBatcher((items) => this.writeBatch(items), { maxBatchSize: options.maxBatchSize ?? 128 });
  }

  find(ref: string): Promise<Ticket | null> {
    const key = (ref ?? '').trim();
    if (TICKET_ID.test(key)) return this.finds.load(key);
    const number = canonicalTicketNumber(key);
    return number ? this.finds.load(number) : Promise.resolve(null);
  }

  async commit(change: TicketChange): Promise<void> {
    await this.commits.load({
      change,
      event: { ...ticketOutboxEvent(change.event, this.options.namespace), key: change.ticket.id, headers: injectTraceHeaders() },
    });
  }

  /** What this writer did so far (batches and their sizes), for tests and benchmarks. */
  stats(): { finds: ReturnType<NaturalBatcher<string, Ticket | null>['stats']>; commits: ReturnType<NaturalBatcher<PendingCommit, true>['stats']> } {
    return { finds: this.finds.stats(), commits: this.commits.stats() };
  }

  private async read(refs: readonly string[]): Promise<Array<Ticket | null>> {
    const ids = [...new Set(refs.filter((r) => TICKET_ID.test(r)).map((r) => r.toLowerCase()))];
    const numbers = [...new Set(refs.filter((r) => !TICKET_ID.test(r)))];
    const { rows } = await preparedQuery<TicketWithHistoryRow>(this.ds, this.readSql, [ids, numbers]);
    const byId = new Map<string, Ticket>();
    const byNumber = new Map<string, Ticket>();
    for (const row of rows) {
      if (byId.has(row.id)) continue;
      const t = ticketFromHistoryRow(row);
      byId.set(t.id, t);
      byNumber.set(t.number, t);
    }
    return refs.map((r) => (TICKET_ID.test(r) ? byId.get(r.toLowerCase()) : byNumber.get(r)) ?? null);
  }

  private async writeBatch(items: readonly PendingCommit[]): Promise<Array<true | Error>> {
    const out = new Array<true | Error>(items.length);
    const first = new Map<string, number>();
    const batch: number[] = [];
    items.forEach((item, i) => {
      const id = item.change.ticket.id;
      if (first.has(id)) out[i] = new ConflictError(`ticket ${item.change.ticket.number} changed concurrently (expected version ${item.change.expectedVersion})`);
      else {
        first.set(id, i);
        batch.push(i);
      }
    });
    let written: Set<string>;
    try {
      written = await this.write(batch.map((i) => items[i]!));
    } catch (err) {
      if (batch.length === 1) throw err;
      // The statement failed as a whole: each change alone, so only the culprit gets the error.
      written = new Set();
      for (const i of batch) {
        try {
          for (const id of await this.write([items[i]!])) written.add(id);
        } catch (single) {
          out[i] = single instanceof Error ? single : new Error(String(single));
        }
      }
    }
    const committed: TicketEvent[] = [];
    const handedOff: KeyedOutboxEvent[] = [];
    for (const i of batch) {
      if (out[i]) continue;
      const { ticket, expectedVersion, event } = items[i]!.change;
      if (written.has(ticket.id)) {
        out[i] = true;
        committed.push(event);
        handedOff.push(items[i]!.event);
      } else {
        out[i] = new ConflictError(
          expectedVersion === 0
            ? `ticket ${ticket.number} (${ticket.id}) already exists`
            : `ticket ${ticket.number} changed concurrently (expected version ${expectedVersion})`,
        );
      }
    }
    if (handedOff.length > 0) this.options.handoff?.(handedOff);
    if (committed.length > 0) this.options.onCommitted?.(committed);
    return out;
  }

  /** One statement for `items` (distinct tickets); the ids of the rows it wrote. */
  private async write(items: readonly PendingCommit[]): Promise<Set<string>> {
    const values = items.map((x) => ticketRowValues(x.change.ticket));
    const columns = TICKET_COLUMNS.map((_, c) => values.map((row) => row[c]));
    const history: unknown[][] = Array.from({ length: 8 }, () => []);
    for (const { change } of items) {
      change.ticket.history.forEach((line, i) => {
        [change.ticket.id, i + 1, line.action, line.from, line.to, JSON.stringify(line.actor), line.at, line.note].forEach((v, k) => history[k]!.push(v));
      });
    }
    const { rows } = await preparedQuery<{ id: string }>(this.ds, this.writeSql, [
      ...columns,
      items.map((x) => x.change.expectedVersion),
      ...history,
      ...outboxInsertParams(items.map((x) => x.event), {}),
      this.options.handoff ? '' : this.channel,
    ]);
    return new Set(rows.map((r) => r.id));
  }
}

import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { naturalBatcher, type NaturalBatcher } from '@notify/batching';
import {
  appendManyToOutbox, assertSchemaName, outboxChannel, outboxInsertParams, outboxInsertSql, PLANNER_GUARD_SQL, preparedQuery, qualifiedTable, sqlExecutor,
  type HandedOffEvent, type SqlExecutor,
} from '@notify/db';
import { FailedPreconditionError, NotFoundError } from '@notify/errors';
import { encodeEvent } from '@notify/events';
import { injectTraceHeaders } from '@notify/telemetry';
import {
  DEADLINE_NOTICE_TYPES, isRateLimitExempt, LEFT_OUT_RECIPIENTS_KEPT, RATE_LIMIT_EXEMPT_TYPES, REDRIVABLE_STATUSES, REPLY_KEY_PREFIX, statusAfterReceipt, WITHDRAWABLE_STATUSES,
  type AttemptOutcome, type AttemptRecord, type Channel, type DeliveryChange, type DeliveryRecord, type DeliveryStatus, type Locale,
  type LeftOutRecipient, type NotificationRecord, type NotificationSource, type Priority, type ReceiptFailureDecision, type ReceiptKind, type RecipientKind,
  type StoredQuietHours, type Supersession,
} from '../../domain';
import { deliveryEventToProto } from '../../transport/proto/delivery.proto-mapper';
import type {
  DeliveryFilter, DeliveryStats, DeliveryStore, KeptReceiptsApplied, NotificationFilter, NewAttempt, NewDelivery, NewNotification, ReceiptFailurePolicy, ReceiptResult, RoundResult, UnconfirmedClaim, UnconfirmedDelivery,
} from '../../application/ports';
import type { AttemptRow, DeliveryRow, NotificationRow, PendingReceiptRow } from './gateway.rows';

export interface PgDeliveryStoreOptions {
  schema: string;
  /** NATS namespace of the delivery subjects (tests); undefined in production. */
  namespace?: string;
  /** false = do not write delivery events to the outbox (benchmarks, tools; the service always publishes). */
  publishEvents?: boolean;
  /** Called after each committed transaction with its delivery changes (WatchDeliveries feed). */
  onCommitted?: (changes: readonly DeliveryChange[]) => void;
  /**
   * The service's outbox relay's handoff (OutboxRelay.handoff): the delivery events of the page
   * inserts and of the claimed rounds go straight to it after their statement (no NOTIFY, no
   * claim). Absent: NOTIFY, and the relay claims them. The other writes always NOTIFY.
   */
  handoff?: (events: readonly HandedOffEvent[]) => void;
  /**
   * Wakes this process's dispatcher: page inserts call it when they created rows and send no
   * NOTIFY on the deliveries channel (another replica's dispatcher finds the rows by its poll).
   * Absent: NOTIFY, as every other write that makes rows due.
   */
  wakeLocal?: () => void;
}

/** A finished send round waiting to be written (recordRound's group commit). */
interface PendingRound {
  deliveryId: string;
  /** The delivery as the dispatcher claimed it (SENDING under its lease), when it passed it. */
  claimed?: DeliveryRecord;
  attempts: readonly NewAttempt[];
  result: RoundResult;
  now: Date;
  /** Trace headers of the caller's context (the round's `gateway.send` span), for its event. */
  trace: Record<string, string>;
  resolve: (d: DeliveryRecord | null) => void;
  reject: (err: unknown) => void;
}

/** Each round's trace headers by delivery id (the last round of a delivery wins). */
function roundTraces(rounds: readonly PendingRound[]): (deliveryId: string) => Record<string, string> | undefined {
  const byId = new Map(rounds.map((r) => [r.deliveryId, r.trace]));
  return (id) => byId.get(id);
}

/** A page waiting for its batch (see PgDeliveryStore.writePages). */
interface PendingPage {
  notificationId: string;
  rows: readonly NewDelivery[];
  leftOut: number;
  /** Who of `leftOut` is known by name (appendLeftOutSql). */
  leftOutRecipients: readonly LeftOutRecipient[];
  now: Date;
  resolve: boolean;
  /** With `resolve`: the first render error of the notification's recipients left out (see insertFinalPage). */
  renderError: string | null;
  /** The trace context of the call that inserts the page (stored on its rows and their events). */
  trace: Record<string, string>;
}

/** Rounds written per group-commit transaction at most (groups averaged ~85 at 256 workers in bench/gateway). */
const ROUND_GROUP = 256;
/**
 * Group-commit transactions running at once. Rounds of different deliveries never touch the same
 * rows, so groups could commit concurrently, but measured (bench/gateway, 4000 deliveries) 3 at
 * once made smaller groups and cost more CPU per delivery in both Node and Postgres than 1; the
 * wait for the group ahead is absorbed by more dispatch workers instead.
 */
const ROUND_FLUSHES = 1;

/**
 * A delivery `d` a supersession `s` of its ticket makes stale (domain SupersessionKind): JOB_OFFERS
 * = TICKET_CREATED to a staff member or a group, or TECHNICIAN_JOB_OFFER; DEADLINE_NOTICES =
 * SLA_WARNING, TICKET_ESCALATED; STAFF = anything to that staff member created before the
 * supersession, and any SLA warning or escalation to them whenever created (one the scheduler
 * produced while they still held the ticket may be ingested after the reassignment: the schedule
 * stream is not ordered with the ticket stream). Never the reply flow's answers (`reply:` keys).
 */
const DEADLINE_TYPES_SQL = DEADLINE_NOTICE_TYPES.map((t) => `'${t}'`).join(', ');
const SUPERSEDED_MATCH = `d.idempotency_key NOT LIKE '${REPLY_KEY_PREFIX}%' AND (
      (s.kind = 'JOB_OFFERS' AND ((d.notification_type = 'TICKET_CREATED' AND d.recipient_kind IN ('STAFF', 'GROUP')) OR d.notification_type = 'TECHNICIAN_JOB_OFFER'))
   OR (s.kind = 'DEADLINE_NOTICES' AND d.notification_type IN (${DEADLINE_TYPES_SQL}))
   OR (s.kind = 'STAFF' AND d.recipient_kind = 'STAFF' AND d.recipient_id = s.staff_id
       AND (d.created_at < s.created_at OR d.notification_type IN (${DEADLINE_TYPES_SQL}))))`;

/** The reason of the first supersession (in `table`) of its ticket that matches delivery `d`: a scalar sub-select. */
const supersededReason = (table: string): string =>
  `SELECT s.reason FROM ${table} s WHERE s.ticket_id = d.ticket_id AND ${SUPERSEDED_MATCH} ORDER BY s.created_at LIMIT 1`;

/** The order kept receipts of one instant are applied in (see drainKept). */
const RECEIPT_ORDER: readonly string[] = ['pending', 'sent', 'delivered', 'read', 'failed'];

/** A receipt's key in `receipts` and `pending_receipts`: its message id, else its Fonnte stateid. */
const messageKey = (r: { providerMessageId?: string; stateId?: string }): string => (r.providerMessageId ? `id:${r.providerMessageId}` : `state:${r.stateId}`);

/**
 * The ambiguous-crash policy's error text (see expireLeases): no round was recorded within the
 * lease, because the gateway stopped, or lost Postgres for longer than the lease, during the
 * send. The dispatcher of a gateway that is still running records the round when Postgres is back
 * and replaces this state with the round's outcome (see recordRound).
 */
export const LEASE_EXPIRED_ERROR =
  'ambiguous: no bookkeeping within the lease: the gateway stopped or lost Postgres during the send; possibly sent, not re-sent automatically (RetryDelivery re-drives it)';

const num = (v: string | number | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));

export function deliveryFromRow(r: DeliveryRow): DeliveryRecord {
  return {
    id: r.id,
    notificationId: r.notification_id,
    idempotencyKey: r.idempotency_key,
    notificationType: r.notification_type,
    ticketId: r.ticket_id,
    sourceEventId: r.source_event_id,
    recipient: r.recipient,
    recipientKind: r.recipient_kind as RecipientKind,
    recipientId: r.recipient_id,
    recipientName: r.recipient_name,
    channel: r.channel as Channel,
    priority: r.priority as Priority,
    locale: r.locale as Locale,
    templateKey: r.template_key,
    templateVersion: r.template_version,
    body: r.body,
    fallbackBody: r.fallback_body,
    quietHours: r.quiet_hours,
    status: r.status as DeliveryStatus,
    dueAt: r.due_at,
    deferredUntil: r.deferred_until,
    deferredReason: r.deferred_reason,
    nextAttemptAt: r.next_attempt_at,
    leaseUntil: r.lease_until,
    smsFallbackReason: r.sms_fallback_reason,
    rounds: r.rounds,
    uncountedRounds: r.uncounted_rounds ?? 0,
    attemptCount: r.attempt_count,
    pinnedProvider: r.pinned_provider,
    traceContext: r.trace_context ?? null,
    provider: r.provider,
    providerMessageId: r.provider_message_id,
    providerStateId: r.provider_state_id,
    lastError: r.last_error,
    costRupiah: num(r.cost_rupiah),
    failover: r.failover,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    sentAt: r.sent_at,
    deliveredAt: r.delivered_at,
    readAt: r.read_at,
    // Look-ups count for the message they asked about (a re-sent delivery's new message has none yet).
    receiptChecks: r.receipt_checked_id !== null && r.receipt_checked_id === `${r.provider}:${r.provider_message_id}` ? r.receipt_checks : 0,
  };
}

/**
 * How far back an SMS opt-out (or SMS switched off) reaches SENT WhatsApp deliveries to drop their
 * SMS fallback text (withdrawWaiting): 7 days, longer than any failure receipt or status look-up
 * takes to arrive in practice (the receipt reconciliation's default RECEIPT_CHECK_MAX_AGE_MS is 2
 * days), short enough that the statement reads a bounded range of `deliveries_unconfirmed_idx`.
 */
const FALLBACK_DROP_SENT_WINDOW_MS = 7 * 86_400_000;

/**
 * The record of a row {@link PgDeliveryStore.insertDeliveries} just inserted: the values it wrote
 * and the table's defaults for the rest (migration 1795400500000), as `deliveryFromRow` would read it.
 */
function queuedRecord(id: string, notificationId: string, r: NewDelivery, now: Date, traceContext: Readonly<Record<string, string>> | null): DeliveryRecord {
  return {
    id, notificationId, idempotencyKey: r.idempotencyKey, notificationType: r.notificationType, ticketId: r.ticketId,
    sourceEventId: r.sourceEventId, recipient: r.recipient, recipientKind: r.recipientKind, recipientId: r.recipientId,
    recipientName: r.recipientName, channel: r.channel, priority: r.priority, locale: r.locale, templateKey: r.templateKey,
    templateVersion: r.templateVersion, body: r.body, fallbackBody: r.fallbackBody, quietHours: r.quietHours ?? null, status: 'QUEUED',
    dueAt: now, deferredUntil: null, deferredReason: null, nextAttemptAt: null, leaseUntil: null, smsFallbackReason: null, rounds: 0, uncountedRounds: 0, attemptCount: 0, pinnedProvider: r.pinnedProvider ?? null, traceContext,
    provider: null, providerMessageId: null, providerStateId: null, lastError: null, costRupiah: 0, failover: false,
    createdAt: now, updatedAt: now, sentAt: null, deliveredAt: null, readAt: null, receiptChecks: 0,
  };
}

/**
 * `items` with their indexes, split into passes in which no key occurs twice (the first
 * occurrence of every key in the first pass, the second in the next, …), for set-wise statements
 * that may touch each row once.
 */
function passesByKey<T>(items: readonly T[], key: (item: T) => string): Array<Array<{ item: T; index: number }>> {
  const passes: Array<Array<{ item: T; index: number }>> = [];
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const k = key(item);
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    (passes[n] ??= []).push({ item, index });
  });
  return passes;
}

/**
 * Whether a finished round may still write its outcome to its row (see writeRoundPass), given the
 * row's state and the lease the round's claim set (`claimLease`; null when the caller passed no
 * claimed record: then any SENDING row). Yes when the row is SENDING under that lease, or when that
 * lease expired meanwhile (DEAD with LEASE_EXPIRED_ERROR, expireLeases keeps the lease as the
 * claim's token) and the row was at most re-queued by RetryDelivery since (QUEUED, same lease).
 */
function roundApplies(row: { status: DeliveryStatus; lease_until: Date | null; last_error: string | null }, claimLease: Date | null): boolean {
  const sameLease = claimLease === null || (row.lease_until !== null && row.lease_until.getTime() === claimLease.getTime());
  if (row.status === 'SENDING') return sameLease;
  return claimLease !== null && sameLease && row.last_error === LEASE_EXPIRED_ERROR && (row.status === 'DEAD' || row.status === 'QUEUED');
}

/**
 * A claimed delivery after a send round, exactly as writeClaimedRounds' UPDATE leaves the row
 * (SENT / FAILED / DEAD columns as recordRound documents), with the round's attempt records
 * (numbered after the claimed attempt_count, fresh ids) and the last of them (the event's).
 */
function roundAfter(d: DeliveryRecord, attempts: readonly NewAttempt[], result: RoundResult, now: Date): { after: DeliveryRecord; records: AttemptRecord[]; last: AttemptRecord | undefined } {
  const records = attempts.map((a, i): AttemptRecord => ({
    id: randomUUID(), deliveryId: d.id, number: d.attemptCount + i + 1, provider: a.provider, outcome: a.outcome, error: a.error,
    latencyMs: Math.round(a.latencyMs), providerMessageId: a.providerMessageId, costRupiah: a.costRupiah, httpStatus: a.httpStatus,
    startedAt: a.startedAt, finishedAt: a.finishedAt,
  }));
  const counted = result.status === 'FAILED' && result.uncounted ? 0 : 1;
  const base = { ...d, attemptCount: d.attemptCount + attempts.length, rounds: d.rounds + counted, uncountedRounds: counted ? 0 : d.uncountedRounds + 1, updatedAt: now, leaseUntil: null, provider: result.provider ?? d.provider };
  let after: DeliveryRecord;
  if (result.status === 'SENT') {
    after = {
      ...base, status: 'SENT', providerMessageId: result.providerMessageId, providerStateId: null, costRupiah: d.costRupiah + result.costRupiah, failover: result.failover,
      channel: result.channel, body: result.body ?? d.body, sentAt: now, lastError: null, nextAttemptAt: null, deferredUntil: null, pinnedProvider: null,
    };
  } else if (result.status === 'FAILED') {
    after = { ...base, status: 'FAILED', lastError: result.lastError, nextAttemptAt: result.nextAttemptAt, dueAt: result.nextAttemptAt, pinnedProvider: result.pinnedProvider };
  } else {
    after = { ...base, status: 'DEAD', lastError: result.lastError, nextAttemptAt: null };
  }
  return { after, records, last: records.at(-1) };
}

function attemptFromRow(r: AttemptRow): AttemptRecord {
  return {
    id: r.id,
    deliveryId: r.delivery_id,
    number: r.number,
    provider: r.provider,
    outcome: r.outcome as AttemptOutcome,
    error: r.error,
    latencyMs: r.latency_ms,
    providerMessageId: r.provider_message_id,
    costRupiah: num(r.cost_rupiah),
    httpStatus: r.http_status,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

/**
 * The SQL of the jsonb list `current` (a notification's left_out_recipients) with the entries of
 * `added` (a jsonb array, or NULL for none) it does not hold yet appended, in order, keeping the
 * first LEFT_OUT_RECIPIENTS_KEPT: a page written again (a redelivered event) adds no one twice,
 * and a broadcast that leaves out thousands keeps a bounded sample. Only a page with someone to
 * name pays for more than the NULL test.
 */
function appendLeftOutSql(current: string, added: string): string {
  return `CASE WHEN ${added} IS NULL OR jsonb_array_length(${current}) >= ${LEFT_OUT_RECIPIENTS_KEPT} THEN ${current} ELSE
    (SELECT coalesce(jsonb_agg(x.e ORDER BY x.i), '[]'::jsonb)
       FROM jsonb_array_elements(${current} || coalesce((SELECT jsonb_agg(s.e ORDER BY s.i)
                                                          FROM jsonb_array_elements(${added}) WITH ORDINALITY AS s(e, i)
                                                         WHERE NOT ${current} @> jsonb_build_array(s.e)), '[]'::jsonb))
            WITH ORDINALITY AS x(e, i)
      WHERE x.i <= ${LEFT_OUT_RECIPIENTS_KEPT}) END`;
}

/**
 * The SQL of a receipt's time `at` kept between `after` (the delivery's creation, or its delivery
 * for a read; NULL = no bound) and `now` (its arrival): a provider's clock, or an Advanta time read
 * in the wrong zone, cannot put a delivery before the message existed, a read before its delivery,
 * or either after the receipt came (QA). Not the send's `sent_at`: that is when the round was
 * recorded, which a receipt can overtake.
 */
function receiptTimeSql(at: string, after: string, now: string): string {
  return `LEAST(GREATEST(${at}, COALESCE(${after}, ${at})), ${now})`;
}

/** A page's named left-out recipients as the jsonb parameter of appendLeftOutSql (null for none). */
function leftOutParam(recipients: readonly LeftOutRecipient[]): string | null {
  return recipients.length > 0 ? JSON.stringify(recipients.slice(0, LEFT_OUT_RECIPIENTS_KEPT)) : null;
}

function notificationFromRow(r: NotificationRow): NotificationRecord {
  return {
    id: r.id,
    source: r.source as NotificationSource,
    idempotencyKey: r.idempotency_key,
    notificationType: r.notification_type,
    priority: r.priority as Priority,
    templateKey: r.template_key,
    status: r.status as NotificationRecord['status'],
    deliveriesCreated: r.deliveries_created,
    leftOut: r.left_out,
    leftOutRecipients: (r.left_out_recipients ?? []).map((l) => ({
      kind: l.kind, id: l.id, address: l.address ?? '', name: l.name, reason: l.reason, channel: l.channel ?? null,
    })),
    error: r.error,
    ticketId: r.ticket_id,
    actor: r.actor,
    variables: r.variables,
    fingerprint: r.request_fingerprint ?? null,
    createdAt: r.created_at,
    resolvedAt: r.resolved_at,
  };
}

/**
 * A transaction that starts with the planner guard (the dispatcher's claims and round groups).
 * The dispatcher's statements touch a few rows by primary key or by the claim index, in a table
 * that grows by a whole Broadcast page at a time. Until autovacuum has analyzed it, the
 * planner's estimates are stale and it chose a bitmap scan plus a sort of EVERY due row for the
 * claim, or a hash join over the whole table for the set-wise UPDATEs (measured: 8–21 ms per
 * claim at 4000 rows, growing with the queue). Index scans and nested loops are the right plan
 * at any size, so the transaction says so (`set_config(…, true)` = SET LOCAL, undone at commit).
 *
 * START and the guard go in ONE simple-protocol message (no parameters, so Postgres takes both
 * statements at once): a round trip fewer for every claim and every group of rounds. The query
 * runner is then marked as in a transaction (the outbox writer checks it); COMMIT, or ROLLBACK on
 * any failure after the connection was taken (also when the guard itself failed), as TypeORM's
 * own transaction does. Resolves with what `fn` returned; rejects with its error (or the
 * COMMIT's), nothing of the transaction kept.
 */
export async function guardedTransaction<T>(ds: DataSource, fn: (m: EntityManager) => Promise<T>): Promise<T> {
  const qr = ds.createQueryRunner();
  const state = qr as { isTransactionActive: boolean };
  try {
    await qr.connect();
    try {
      await qr.query(`START TRANSACTION; ${PLANNER_GUARD_SQL}`);
      state.isTransactionActive = true;
      const out = await fn(qr.manager);
      await qr.query('COMMIT');
      return out;
    } catch (err) {
      await qr.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      state.isTransactionActive = false;
    }
  } finally {
    await qr.release();
  }
}

/**
 * The gateway's Postgres store: notifications, the deliveries queue/log, attempts and receipts
 * (schema of migrations/1795400500000). Every state change that is a delivery event writes it to
 * the outbox in the same transaction (ARCHITECTURE.md "Once"); `pg_notify('<schema>_deliveries')`
 * wakes dispatchers when rows become due (delivered at commit).
 */
export class PgDeliveryStore implements DeliveryStore {
  private readonly schema: string;
  /** The DataSource as a SqlExecutor (batchedTransaction for the claims). */
  private readonly sql: SqlExecutor;
  private readonly t: { n: string; d: string; a: string; r: string; p: string; o: string; s: string; i: string };
  /** LISTEN channel that wakes the dispatcher (`<schema>_deliveries`). */
  readonly wakeChannel: string;
  /** Finished rounds waiting for the next group commit (see recordRound). */
  private readonly rounds: PendingRound[] = [];
  private activeFlushes = 0;
  /** createNotification of concurrent callers (one INSERT per batch). */
  private readonly creates: NaturalBatcher<{ n: NewNotification; now: Date }, { notification: NotificationRecord; created: boolean }>;
  /** Pages of concurrent callers (one statement per batch). */
  private readonly pages: NaturalBatcher<PendingPage, { deliveries: DeliveryRecord[]; notification: NotificationRecord | null }>;
  /** applyKeptReceipts of concurrent rounds: one look-up of which messages have kept receipts. */
  private readonly keptLookups: NaturalBatcher<{ provider: string; key: string }, boolean>;

  constructor(
    private readonly ds: DataSource,
    private readonly options: PgDeliveryStoreOptions,
  ) {
    this.schema = assertSchemaName(options.schema);
    this.sql = sqlExecutor(ds);
    this.t = {
      n: qualifiedTable(this.schema, 'notifications'),
      d: qualifiedTable(this.schema, 'deliveries'),
      a: qualifiedTable(this.schema, 'delivery_attempts'),
      r: qualifiedTable(this.schema, 'receipts'),
      p: qualifiedTable(this.schema, 'pending_receipts'),
      o: qualifiedTable(this.schema, 'outbox'),
      s: qualifiedTable(this.schema, 'ticket_supersessions'),
      i: qualifiedTable(this.schema, 'invoice_closures'),
    };
    this.wakeChannel = `${this.schema}_deliveries`;
    this.creates = naturalBatcher((asks) => this.createNotifications(asks), { maxBatchSize: 128 });
    this.pages = naturalBatcher((pages) => this.writePages(pages), { maxBatchSize: 64 });
    this.keptLookups = naturalBatcher((asks) => this.haveKept(asks), { maxBatchSize: 256 });
  }

  /**
   * Runs `fn` in one transaction, writes its delivery changes to the outbox, then reports them
   * after commit. `guardPlans`: the transaction starts with the planner guard (guardedTransaction).
   * `traceOf(deliveryId)`: the trace headers of that delivery's event (default: the active context's).
   */
  private async tx<T>(
    fn: (m: EntityManager, changes: DeliveryChange[]) => Promise<T>,
    opts: { guardPlans?: boolean; traceOf?: (deliveryId: string) => Record<string, string> | undefined } = {},
  ): Promise<T> {
    const changes: DeliveryChange[] = [];
    const body = async (m: EntityManager): Promise<T> => {
      const out = await fn(m, changes);
      if (this.options.publishEvents !== false && changes.length > 0) {
        // One multi-row INSERT and one NOTIFY for the transaction's events (was 2 statements per event).
        const events = changes.map((c) => {
          const headers = opts.traceOf?.(c.delivery.id);
          return headers ? { ...this.deliveryEvent(c), headers } : this.deliveryEvent(c);
        });
        await appendManyToOutbox(m, events, { schema: this.schema });
      }
      return out;
    };
    const result = opts.guardPlans ? await guardedTransaction(this.ds, body) : await this.ds.transaction(body);
    if (changes.length > 0) this.options.onCommitted?.(changes);
    return result;
  }

  /**
   * The `delivery.<kind>` outbox event of a change: the change's event id (given where the change
   * is made, so the WatchDeliveries feed reports the same id), the encoded DeliveryEvent.
   */
  private deliveryEvent(c: DeliveryChange): { id: string; subject: string; data: Uint8Array } {
    const encoded = encodeEvent(`delivery.${c.kind}`, deliveryEventToProto(c), this.options.namespace);
    return { id: c.eventId, subject: encoded.subject, data: encoded.data };
  }

  /**
   * Rows of one fixed-text statement, run as a named prepared statement (libs/db preparedQuery:
   * parsed once per connection; the page insert and the round updates planned once instead of
   * every time). Every statement of this store has one text whatever its values, except
   * {@link list}'s (filters), which runs unnamed through `this.sql`.
   */
  private async q<R>(m: EntityManager | DataSource, sql: string, params: unknown[] = []): Promise<R[]> {
    return (await preparedQuery<R>(m, sql, params)).rows;
  }

  // ── notifications ───────────────────────────────────────────────────────────────────────

  /**
   * Inserts the notification unless its idempotency key exists; returns the stored one and whether
   * it is new. Concurrent calls (the events the consumers handle at once) share one INSERT … SELECT
   * FROM unnest … ON CONFLICT DO NOTHING RETURNING * and, for the keys that existed, one read
   * (naturalBatcher); a key asked twice in one batch is created by the first ask and found by the
   * second.
   */
  createNotification(n: NewNotification, now: Date): Promise<{ notification: NotificationRecord; created: boolean }> {
    return this.creates.load({ n, now });
  }

  private async createNotifications(asks: ReadonlyArray<{ n: NewNotification; now: Date }>): Promise<Array<{ notification: NotificationRecord; created: boolean } | Error>> {
    const ids = asks.map(() => randomUUID());
    const json = (v: Record<string, unknown> | null) => (v ? JSON.stringify(v) : null);
    const inserted = await this.q<NotificationRow>(
      this.ds,
      `INSERT INTO ${this.t.n} (id, source, idempotency_key, notification_type, priority, template_key, status, ticket_id, invoice_id, actor, variables, request, request_fingerprint, created_at)
       SELECT v.id, v.source, v.idempotency_key, v.notification_type, v.priority, v.template_key, 'RESOLVING', v.ticket_id, v.invoice_id, v.actor, v.variables, v.request, v.fingerprint, v.created_at
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[], $9::jsonb[], $10::jsonb[], $11::timestamptz[], $12::text[], $13::text[])
           AS v(id, source, idempotency_key, notification_type, priority, template_key, ticket_id, actor, variables, request, created_at, fingerprint, invoice_id)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING *`,
      [
        ids, asks.map((a) => a.n.source), asks.map((a) => a.n.idempotencyKey), asks.map((a) => a.n.notificationType), asks.map((a) => a.n.priority),
        asks.map((a) => a.n.templateKey), asks.map((a) => a.n.ticketId), asks.map((a) => json(a.n.actor)), asks.map((a) => json(a.n.variables)),
        asks.map((a) => json(a.n.request)), asks.map((a) => a.now), asks.map((a) => a.n.fingerprint ?? null), asks.map((a) => a.n.invoiceId ?? null),
      ],
    );
    const byId = new Map(inserted.map((r) => [r.id, notificationFromRow(r)]));
    const missing = [...new Set(asks.filter((_, i) => !byId.has(ids[i]!)).map((a) => a.n.idempotencyKey))];
    const existing = new Map<string, NotificationRecord>();
    if (missing.length > 0) {
      const rows = await this.q<NotificationRow>(this.ds, `SELECT * FROM ${this.t.n} WHERE idempotency_key = ANY($1::text[])`, [missing]);
      for (const r of rows) existing.set(r.idempotency_key, notificationFromRow(r));
    }
    return asks.map((a, i) => {
      const mine = byId.get(ids[i]!);
      if (mine) return { notification: mine, created: true };
      const found = existing.get(a.n.idempotencyKey) ?? [...byId.values()].find((x) => x.idempotencyKey === a.n.idempotencyKey);
      return found ? { notification: found, created: false } : new Error(`notification ${a.n.idempotencyKey} vanished`);
    });
  }

  /** See DeliveryStore.expediteFailed: one UPDATE over the claim index's FAILED rows (a `trial`: the few due soonest). */
  async expediteFailed(channel: Channel, now: Date, smsFallbackPriorities: readonly Priority[] = [], trial?: { provider: string; limit: number }): Promise<number> {
    const fallbackToo = channel === 'SMS' && smsFallbackPriorities.length > 0;
    if (trial) {
      const picked = await this.q<{ n: number }>(
        this.ds,
        `WITH x AS (UPDATE ${this.t.d} SET due_at = $2, updated_at = $2
                     WHERE id IN (SELECT id FROM ${this.t.d}
                                   WHERE status = 'FAILED' AND due_at > $2 AND (last_error IS NULL OR last_error NOT LIKE 'receipt:%')
                                     AND (pinned_provider IS NULL OR pinned_provider = $5)
                                     AND (channel = $1 OR ($3 AND channel = 'WHATSAPP' AND fallback_body IS NOT NULL AND pinned_provider IS NULL
                                                           AND recipient_kind <> 'GROUP' AND priority = ANY($4::text[])))
                                   ORDER BY rounds, due_at LIMIT $6 FOR UPDATE SKIP LOCKED)
                     RETURNING 1)
         SELECT count(*)::int AS n FROM x`,
        [channel, now, fallbackToo, [...smsFallbackPriorities], trial.provider, Math.max(0, Math.floor(trial.limit))],
      );
      return picked[0]?.n ?? 0;
    }
    const rows = await this.q<{ n: number }>(
      this.ds,
      `WITH x AS (UPDATE ${this.t.d} SET due_at = $2, updated_at = $2
                   WHERE status = 'FAILED' AND due_at > $2 AND (last_error IS NULL OR last_error NOT LIKE 'receipt:%')
                     AND (channel = $1 OR ($3 AND channel = 'WHATSAPP' AND fallback_body IS NOT NULL AND pinned_provider IS NULL
                                           AND recipient_kind <> 'GROUP' AND priority = ANY($4::text[])))
                   RETURNING 1)
       SELECT count(*)::int AS n FROM x`,
      [channel, now, fallbackToo, [...smsFallbackPriorities]],
    );
    return rows[0]?.n ?? 0;
  }

  /** A notification's deliveries by status now (statuses with none left out), most first. */
  async deliveryCountsOf(notificationId: string): Promise<Array<{ status: DeliveryStatus; count: number }>> {
    const rows = await this.q<{ status: DeliveryStatus; n: number }>(
      this.ds,
      `SELECT status, count(*)::int AS n FROM ${this.t.d} WHERE notification_id = $1 GROUP BY status ORDER BY n DESC, status`,
      [notificationId],
    );
    return rows.map((r) => ({ status: r.status, count: r.n }));
  }

  async notificationByKey(key: string): Promise<NotificationRecord | null> {
    const rows = await this.q<NotificationRow>(this.ds, `SELECT * FROM ${this.t.n} WHERE idempotency_key = $1`, [key]);
    return rows[0] ? notificationFromRow(rows[0]) : null;
  }

  /** See DeliveryStore.adoptFailedNotification (one conditional UPDATE). */
  async adoptFailedNotification(id: string, n: NewNotification): Promise<NotificationRecord | null> {
    const json = (v: Record<string, unknown> | null) => (v ? JSON.stringify(v) : null);
    const rows = await this.q<NotificationRow>(
      this.ds,
      `UPDATE ${this.t.n} SET notification_type = $2, priority = $3, template_key = $4, ticket_id = $5, actor = $6::jsonb, variables = $7::jsonb,
              request = $8::jsonb, request_fingerprint = $9, invoice_id = $10, status = 'RESOLVING', error = NULL, resolved_at = NULL, left_out = 0
        WHERE id = $1 AND status = 'FAILED' AND deliveries_created = 0 RETURNING *`,
      [id, n.notificationType, n.priority, n.templateKey, n.ticketId, json(n.actor), json(n.variables), json(n.request), n.fingerprint ?? null, n.invoiceId ?? null],
    );
    return rows[0] ? notificationFromRow(rows[0]) : null;
  }

  async notification(id: string): Promise<NotificationRecord | null> {
    const rows = await this.q<NotificationRow>(this.ds, `SELECT * FROM ${this.t.n} WHERE id::text = $1`, [id]);
    return rows[0] ? notificationFromRow(rows[0]) : null;
  }

  /** The stored request of a notification (Broadcast resumes from it). */
  async notificationRequest(id: string): Promise<Record<string, unknown> | null> {
    const rows = await this.q<{ request: Record<string, unknown> | null }>(this.ds, `SELECT request FROM ${this.t.n} WHERE id = $1`, [id]);
    return rows[0]?.request ?? null;
  }

  /** Notifications still RESOLVING (Broadcasts interrupted by a restart). */
  async resolvingNotifications(source: NotificationSource): Promise<NotificationRecord[]> {
    const rows = await this.q<NotificationRow>(this.ds, `SELECT * FROM ${this.t.n} WHERE status = 'RESOLVING' AND source = $1`, [source]);
    return rows.map(notificationFromRow);
  }

  /** Marks resolution finished (RESOLVED, or FAILED with `error`). */
  async finishNotification(id: string, status: 'RESOLVED' | 'FAILED', now: Date, error?: string): Promise<NotificationRecord> {
    const rows = await this.q<NotificationRow>(
      this.ds,
      `UPDATE ${this.t.n} SET status = $2, resolved_at = $3, error = $4 WHERE id = $1 RETURNING *`,
      [id, status, now, error ?? null],
    );
    return notificationFromRow(rows[0]!);
  }

  /** Adds to the left-out counter (recipients skipped) and names them (appendLeftOutSql). */
  async addLeftOut(id: string, n: number, recipients: readonly LeftOutRecipient[] = []): Promise<void> {
    if (n <= 0 && recipients.length === 0) return;
    await this.ds.query(
      `UPDATE ${this.t.n} SET left_out = left_out + $2, left_out_recipients = ${appendLeftOutSql('left_out_recipients', '$3::jsonb')} WHERE id = $1`,
      [id, n, leftOutParam(recipients)],
    );
  }

  // ── creating deliveries ─────────────────────────────────────────────────────────────────

  /**
   * Inserts delivery rows (QUEUED, due `now`) with ON CONFLICT (idempotency_key) DO NOTHING,
   * a `delivery.queued` event per new row in the outbox, the notification's counters and the
   * wake-ups of the dispatcher and the outbox relay, ALL IN ONE STATEMENT (data-modifying CTEs:
   * the deliveries INSERT … SELECT FROM unnest(…), the outbox INSERT joined to the ids it
   * returned, the counters UPDATE; atomic without an explicit transaction, so one round trip
   * instead of BEGIN, three statements and COMMIT). Every row's event is encoded before the
   * statement and only the inserted rows' are kept, in `rows` order (the relay publishes by
   * insertion order). Returns only the rows created (a redelivered event creates none), in `rows`
   * order; the records are the inserted values plus the column defaults ({@link queuedRecord}),
   * so a page is not parsed back from Postgres. The trace context active at the call, the same
   * for every row, is stored on each (see the dispatcher) and in the events' headers. Pages of
   * concurrent callers share the statement (writePages).
   */
  async insertDeliveries(
    notificationId: string, rows: readonly NewDelivery[], leftOut: number, now: Date, leftOutRecipients: readonly LeftOutRecipient[] = [],
  ): Promise<DeliveryRecord[]> {
    return (await this.insertPage(notificationId, rows, leftOut, leftOutRecipients, now, false)).deliveries;
  }

  /**
   * insertDeliveries for the notification's last page: the same transaction (the same counters
   * statement) also finishes the notification at `now`, which saves finishNotification's own
   * round trip and commit. `renderError` (the first reason recipients were left out because their
   * text could not be rendered, or null) becomes the notification's `error`; the notification ends
   * FAILED when there is such an error and it has no delivery at all (deliveries_created 0 after
   * this page), RESOLVED otherwise (with the error, or none: an earlier attempt's error is
   * cleared). Rows may be empty (a notification whose pages were all inserted already). Returns
   * the rows created and the notification after the change.
   */
  async insertFinalPage(
    notificationId: string, rows: readonly NewDelivery[], leftOut: number, now: Date, renderError: string | null = null,
    leftOutRecipients: readonly LeftOutRecipient[] = [],
  ): Promise<{ deliveries: DeliveryRecord[]; notification: NotificationRecord }> {
    const { deliveries, notification } = await this.insertPage(notificationId, rows, leftOut, leftOutRecipients, now, true, renderError);
    if (!notification) throw new Error(`notification ${notificationId} vanished`);
    return { deliveries, notification };
  }

  private async insertPage(
    notificationId: string, rows: readonly NewDelivery[], leftOut: number, leftOutRecipients: readonly LeftOutRecipient[], now: Date, resolve: boolean,
    renderError: string | null = null,
  ): Promise<{ deliveries: DeliveryRecord[]; notification: NotificationRecord | null }> {
    if (rows.length === 0) {
      if (resolve) {
        const done = await this.q<NotificationRow>(
          this.ds,
          `UPDATE ${this.t.n} SET left_out = left_out + $2, resolved_at = $3, error = $4::text,
                  left_out_recipients = ${appendLeftOutSql('left_out_recipients', '$5::jsonb')},
                  status = CASE WHEN $4::text IS NOT NULL AND deliveries_created = 0 THEN 'FAILED' ELSE 'RESOLVED' END
            WHERE id = $1 RETURNING *`,
          [notificationId, leftOut, now, renderError, leftOutParam(leftOutRecipients)],
        );
        return { deliveries: [], notification: done[0] ? notificationFromRow(done[0]) : null };
      }
      await this.addLeftOut(notificationId, leftOut, leftOutRecipients);
      return { deliveries: [], notification: null };
    }
    // The context active now (the event's consumer span, or the Notify / Broadcast call): the
    // dispatcher's send span continues it (empty when tracing is off: stored as NULL).
    const trace = injectTraceHeaders();
    return this.pages.load({ notificationId, rows, leftOut, leftOutRecipients, now, resolve, renderError: resolve ? renderError : null, trace });
  }

  /**
   * Writes the pages of a batch (naturalBatcher: the pages of the events handled at once), each
   * page of a different notification, in ONE statement (data-modifying CTEs: the deliveries
   * INSERT … SELECT FROM unnest … ON CONFLICT DO NOTHING, their delivery.queued events for the
   * rows inserted (outboxInsertSql), every page's counters and RESOLVED / FAILED mark (see
   * insertFinalPage), the wake-ups of the
   * dispatcher and the outbox relay; atomic without BEGIN/COMMIT). A second page of one notification
   * in a batch goes in a later statement of the same call (the counters UPDATE takes each
   * notification once). If a statement fails as a whole, its pages are retried one at a time so
   * the error reaches only the page that causes it.
   */
  private async writePages(pages: readonly PendingPage[]): Promise<Array<{ deliveries: DeliveryRecord[]; notification: NotificationRecord | null } | Error>> {
    const out = new Array<{ deliveries: DeliveryRecord[]; notification: NotificationRecord | null } | Error>(pages.length);
    for (const pass of passesByKey(pages, (page) => page.notificationId)) {
      try {
        const written = await this.writePagePass(pass.map((p) => p.item));
        pass.forEach((p, i) => (out[p.index] = written[i]!));
      } catch (err) {
        if (pass.length === 1) out[pass[0]!.index] = err instanceof Error ? err : new Error(String(err));
        else {
          for (const p of pass) {
            out[p.index] = await this.writePagePass([p.item]).then((w) => w[0]!, (e: unknown) => (e instanceof Error ? e : new Error(String(e))));
          }
        }
      }
    }
    return out;
  }

  /** One statement for `pages` (distinct notifications); results in `pages` order. */
  private async writePagePass(pages: readonly PendingPage[]): Promise<Array<{ deliveries: DeliveryRecord[]; notification: NotificationRecord | null }>> {
    const publish = this.options.publishEvents !== false;
    const rows: Array<{ page: PendingPage; r: NewDelivery; d: DeliveryRecord; change: DeliveryChange; traceJson: string | null }> = [];
    for (const page of pages) {
      const traceContext = Object.keys(page.trace).length > 0 ? page.trace : null;
      const traceJson = traceContext ? JSON.stringify(traceContext) : null;
      for (const r of page.rows) {
        const d = queuedRecord(randomUUID(), page.notificationId, r, page.now, traceContext);
        rows.push({ page, r, d, change: { eventId: randomUUID(), kind: 'queued', delivery: d, previousStatus: null, at: page.now }, traceJson });
      }
    }
    // Every row's delivery.queued event is encoded up front; the statement keeps those of the rows
    // it inserted (a duplicate's is dropped with it), with the trace context of the row's page.
    const events = publish
      ? rows.map(({ page, d, change }) => ({ ...this.deliveryEvent(change), key: d.id, headers: page.trace }))
      : [];
    const col = <T>(f: (x: (typeof rows)[number]) => T): T[] => rows.map(f);
    const e = 25; // first parameter of the outbox arrays
    const out = await this.q<NotificationRow & { created_ids: string[] }>(
      this.ds,
      `WITH d AS (
         INSERT INTO ${this.t.d} (id, notification_id, idempotency_key, notification_type, ticket_id, source_event_id, recipient, recipient_kind,
           recipient_id, recipient_name, channel, priority, locale, template_key, template_version, body, fallback_body, fallback_template_version,
           quiet_hours, pinned_provider, trace_context, status, due_at, created_at, updated_at)
         SELECT v.id, v.notification_id, v.idempotency_key, v.notification_type, v.ticket_id, v.source_event_id, v.recipient, v.recipient_kind,
           v.recipient_id, v.recipient_name, v.channel, v.priority, v.locale, v.template_key, v.template_version, v.body, v.fallback_body,
           v.fallback_template_version, v.quiet_hours, v.pinned_provider, v.trace_context, 'QUEUED', v.at, v.at, v.at
           FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                       $11::text[], $12::text[], $13::text[], $14::text[], $15::int[], $16::text[], $17::text[], $18::int[], $19::jsonb[], $20::text[],
                       $21::jsonb[], $22::timestamptz[])
             AS v(id, notification_id, idempotency_key, notification_type, ticket_id, source_event_id, recipient, recipient_kind, recipient_id,
                  recipient_name, channel, priority, locale, template_key, template_version, body, fallback_body, fallback_template_version,
                  quiet_hours, pinned_provider, trace_context, at)
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, notification_id),
       o AS (${outboxInsertSql(this.schema, e, { cte: 'd', column: 'id' })}),
       c AS (SELECT notification_id, count(*) AS n FROM d GROUP BY notification_id),
       u AS (
         UPDATE ${this.t.n} AS n SET deliveries_created = n.deliveries_created + COALESCE(c.n, 0), left_out = n.left_out + p.left_out,
                left_out_recipients = ${appendLeftOutSql('n.left_out_recipients', 'p.left_out_recipients')},
                status = CASE WHEN NOT p.resolve THEN n.status
                              WHEN p.render_error IS NOT NULL AND n.deliveries_created + COALESCE(c.n, 0) = 0 THEN 'FAILED'
                              ELSE 'RESOLVED' END,
                resolved_at = CASE WHEN p.resolve THEN p.at ELSE n.resolved_at END,
                error = CASE WHEN p.resolve THEN p.render_error ELSE n.error END
           FROM unnest($23::uuid[], $24::int[], $${e + 5}::boolean[], $${e + 6}::timestamptz[], $${e + 9}::text[], $${e + 10}::jsonb[])
                AS p(id, left_out, resolve, at, render_error, left_out_recipients)
           LEFT JOIN c ON c.notification_id = p.id
          WHERE n.id = p.id RETURNING n.*)
       SELECT u.*, (SELECT coalesce(array_agg(d.id::text), '{}') FROM d WHERE d.notification_id = u.id) AS created_ids,
              CASE WHEN $${e + 7}::text <> '' AND EXISTS (SELECT 1 FROM d) THEN pg_notify($${e + 7}, '') END AS wake,
              CASE WHEN $${e + 8}::text <> '' AND EXISTS (SELECT 1 FROM d) THEN pg_notify($${e + 8}, '') END AS relay
         FROM u`,
      [
        col((x) => x.d.id), col((x) => x.page.notificationId), col((x) => x.r.idempotencyKey), col((x) => x.r.notificationType), col((x) => x.r.ticketId),
        col((x) => x.r.sourceEventId), col((x) => x.r.recipient), col((x) => x.r.recipientKind), col((x) => x.r.recipientId),
        col((x) => x.r.recipientName), col((x) => x.r.channel), col((x) => x.r.priority), col((x) => x.r.locale), col((x) => x.r.templateKey),
        col((x) => x.r.templateVersion), col((x) => x.r.body), col((x) => x.r.fallbackBody), col((x) => x.r.fallbackTemplateVersion),
        col((x) => (x.r.quietHours ? JSON.stringify(x.r.quietHours) : null)), col((x) => x.r.pinnedProvider ?? null), col((x) => x.traceJson),
        col((x) => x.page.now),
        pages.map((p) => p.notificationId), pages.map((p) => p.leftOut),
        ...outboxInsertParams(events, {}),
        pages.map((p) => p.resolve), pages.map((p) => p.now),
        this.options.wakeLocal ? '' : this.wakeChannel, publish && events.length > 0 && !this.options.handoff ? outboxChannel(this.schema) : '',
        pages.map((p) => p.renderError), pages.map((p) => leftOutParam(p.leftOutRecipients)),
      ],
    );
    const byNotification = new Map(out.map((row) => [row.id, row]));
    const created: DeliveryChange[] = [];
    const results = pages.map((page) => {
      const row = byNotification.get(page.notificationId);
      const ids = new Set(row?.created_ids ?? []);
      const mine = rows.filter((x) => x.page === page && ids.has(x.d.id));
      for (const x of mine) created.push(x.change);
      return { deliveries: mine.map((x) => x.d), notification: page.resolve && row ? notificationFromRow(row) : null };
    });
    if (this.options.handoff && events.length > 0) {
      const createdIds = new Set(created.map((c) => c.delivery.id));
      this.options.handoff(events.filter((e) => createdIds.has(e.key)));
    }
    if (created.length > 0) {
      this.options.wakeLocal?.();
      this.options.onCommitted?.(created);
    }
    return results;
  }

  // ── the dispatcher ──────────────────────────────────────────────────────────────────────

  /**
   * Claims up to `limit` due deliveries (`status IN (QUEUED, DEFERRED, FAILED) AND due_at <= now`,
   * oldest due first, `FOR UPDATE SKIP LOCKED` so replicas never claim the same row) in ONE
   * statement that also marks them SENDING with `lease_until = now + leaseMs`. For each,
   * `gate` decides: a Date = hold it (back to DEFERRED until then, lease cleared, in the same
   * transaction, so a crash never leaves a held row SENDING), null = send. Returns the rows to
   * send (SENDING), oldest due first. `recentSends(windowMs)` gives the gate the times of the
   * recipient's messages that count against the rate limit: accepted within the window (sent_at),
   * being sent by another pass or replica (SENDING, counted as now), and those this claim already
   * let go (now), so one pass never lets more than the limit through to one recipient. (Two
   * replicas claiming the same recipient's rows at the same instant do not see each other's
   * uncommitted claims; that window is one claim transaction.) Round trips
   * (SqlExecutor.batchedTransaction): BEGIN, the planner guard (see guardedTransaction) and the
   * claiming UPDATE in one message (its times and limits inlined as literals); the rate limit's
   * one read of the recipients' recent and in-flight sends (only when the gate asks); one UPDATE
   * for the held rows (only when there are any); COMMIT.
   * Ticket order: a row with a ticket is not claimed while an older delivery of the same ticket to
   * the same recipient (created before it) is QUEUED, SENDING, FAILED (waiting for its retry: it
   * failed on every provider of its round, so a newer one would overtake it once they are back)
   * or DEFERRED and due: it is claimed by a later pass, once that one is sent, held by the gate or
   * given up (DEAD after its last round), so a ticket's messages reach a recipient in the order
   * they were created also when several are due at once (the end of quiet hours, a provider back
   * after an outage), across replicas too. An URGENT row waits only behind an older one being sent
   * or an older URGENT one that is due: it is not held behind a non-urgent message (which may be
   * waiting for quiet hours, a retry or another row itself) nor behind a retry's backoff (it may
   * fall back to SMS where the older may not). No row waits behind an older one DEFERRED to later
   * (quiet hours, the rate limit). Rows without a
   * ticket (broadcasts, Notify to a phone) and the reply flow's answers (`reply:` keys) are not
   * ordered this way. An older row left SENDING by a gateway that died holds the ticket's next
   * messages to that recipient until its lease expires.
   * `channelLimits` (the dispatcher's provider pacing): at most that many rows of each channel
   * named (a channel not named: up to `limit`), each channel's oldest due first (one locking
   * sub-select per channel over the `deliveries_claim_channel_idx` index); the rows not taken are
   * not touched. The total is at most the sum of the channels' limits (the dispatcher's add up to
   * `limit`).
   * `pinnedLimits` (the pacing of the providers rows are pinned to): at most that many rows pinned
   * to each provider named, whatever their channel (a pinned row is sent to that provider alone and
   * waits for its slot). Rows pinned to a provider with limit 0 are skipped by the scan; with a
   * limit n > 0 the scan takes them as usual and only the n oldest due are claimed (the others stay
   * untouched, merely locked until the claim commits; the claim may then return fewer rows than
   * asked).
   * TypeError for a limit that is not an integer >= 1, a channel or pinned limit that is not an
   * integer >= 0, or a provider name that is not a plain name.
   */
  async claimDue(
    now: Date,
    limit: number,
    leaseMs: number,
    gate: (d: DeliveryRecord, recentSends: (windowMs: number) => Promise<Date[]>) => Promise<{ until: Date; reason: string } | null>,
    channelLimits?: Partial<Record<Channel, number>>,
    pinnedLimits?: Readonly<Record<string, number>>,
  ): Promise<DeliveryRecord[]> {
    if (!Number.isInteger(limit) || limit < 1) throw new TypeError(`claim limit must be an integer >= 1, got ${limit}`);
    for (const [ch, n] of Object.entries(channelLimits ?? {})) {
      if (!Number.isInteger(n) || n! < 0) throw new TypeError(`claim limit of ${ch} must be an integer >= 0, got ${n}`);
    }
    for (const [p, n] of Object.entries(pinnedLimits ?? {})) {
      if (!/^[A-Za-z0-9_.-]+$/.test(p)) throw new TypeError(`pinned claim limit for a provider name that is not a plain name: ${JSON.stringify(p)}`);
      if (!Number.isInteger(n) || n < 0) throw new TypeError(`claim limit of rows pinned to ${p} must be an integer >= 0, got ${n}`);
    }
    const pinned = Object.entries(pinnedLimits ?? {});
    const skipped = pinned.filter(([, n]) => n === 0).map(([p]) => `'${p}'`);
    const capped = pinned.filter(([, n]) => n > 0);
    const at = (d: Date): string => `'${d.toISOString()}'::timestamptz`;
    // A row of a ticket waits while an older message of that ticket to the same recipient is due,
    // being sent or waiting for its retry (one index probe per candidate with a ticket:
    // deliveries_ticket_order_idx); the reply flow's answers are outside this order.
    const reply = `'${REPLY_KEY_PREFIX}%'`;
    const inTicketOrder = `(d.ticket_id IS NULL OR d.idempotency_key LIKE ${reply} OR NOT EXISTS (SELECT 1 FROM ${this.t.d} e
        WHERE e.ticket_id = d.ticket_id AND e.recipient = d.recipient AND (e.created_at, e.id) < (d.created_at, d.id)
          AND e.ticket_id IS NOT NULL AND e.status IN ('QUEUED', 'DEFERRED', 'FAILED', 'SENDING') AND e.idempotency_key NOT LIKE ${reply}
          AND (e.status = 'SENDING'
            OR (d.priority = 'URGENT' AND e.priority = 'URGENT' AND e.due_at <= ${at(now)})
            OR (d.priority <> 'URGENT' AND (e.status IN ('QUEUED', 'FAILED') OR e.due_at <= ${at(now)})))))`;
    const dueRows = (n: number, channel?: Channel): string =>
      `SELECT d.id${capped.length > 0 ? ', d.due_at, d.pinned_provider' : ''} FROM ${this.t.d} d WHERE d.status IN ('QUEUED', 'DEFERRED', 'FAILED') AND d.due_at <= ${at(now)}${channel ? ` AND d.channel = '${channel}'` : ''}${
        skipped.length > 0 ? ` AND (d.pinned_provider IS NULL OR d.pinned_provider NOT IN (${skipped.join(', ')}))` : ''}
        AND ${inTicketOrder}
        ORDER BY d.due_at LIMIT ${n} FOR UPDATE OF d SKIP LOCKED`;
    const set = `UPDATE ${this.t.d} SET status = 'SENDING', lease_until = ${at(new Date(now.getTime() + leaseMs))}, updated_at = ${at(now)}`;
    // BEGIN, the planner guard and the claim in one message (the values inlined are a
    // server-side time, integers, channel names of the fixed set and provider names checked
    // above), the gate's reads and the hold in between, COMMIT last.
    let claim: string;
    if (capped.length === 0) {
      claim = channelLimits
        ? `${PLANNER_GUARD_SQL};
          WITH w AS (${dueRows(channelLimits.WHATSAPP ?? limit, 'WHATSAPP')}), s AS (${dueRows(channelLimits.SMS ?? limit, 'SMS')})
          ${set} WHERE id IN (SELECT id FROM w UNION ALL SELECT id FROM s) RETURNING *`
        : `${PLANNER_GUARD_SQL};
          ${set} WHERE id IN (${dueRows(limit)}) RETURNING *`;
    } else {
      // The rows scanned as above, of which the n oldest due of each capped pinned provider are claimed.
      const scanned = channelLimits
        ? { ctes: `w AS (${dueRows(channelLimits.WHATSAPP ?? limit, 'WHATSAPP')}), s AS (${dueRows(channelLimits.SMS ?? limit, 'SMS')})`, rows: 'SELECT * FROM w UNION ALL SELECT * FROM s' }
        : { ctes: `c AS (${dueRows(limit)})`, rows: 'SELECT * FROM c' };
      claim = `${PLANNER_GUARD_SQL};
        WITH ${scanned.ctes}
        ${set} WHERE id IN (
          SELECT id FROM (SELECT id, pinned_provider, row_number() OVER (PARTITION BY pinned_provider ORDER BY due_at) AS k FROM (${scanned.rows}) x) r
           WHERE pinned_provider IS NULL OR k <= CASE pinned_provider ${capped.map(([p, n]) => `WHEN '${p}' THEN ${n}`).join(' ')} ELSE ${limit} END)
        RETURNING *`;
    }
    return this.sql.batchedTransaction<DeliveryRow, DeliveryRecord[]>(claim, async (claimed, query) => {
      const due = claimed.map(deliveryFromRow).sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
      // The rate limit's count of every claimed recipient, read once per claim (one query, not one
      // per row) the first time the gate asks: messages accepted within the window (at their
      // sent_at) and messages being sent right now by another pass or replica (SENDING outside
      // this claim, counted at `now`). The rows this pass lets go are added as it decides, so a
      // backlog to one recipient (the end of quiet hours, a spam loop) yields at most the limit.
      const claimedIds = due.map((x) => x.id);
      const approved = new Map<string, Date[]>();
      let recent: { windowMs: number; byRecipient: Map<string, Date[]> } | undefined;
      const recentSendsOf = (d: DeliveryRecord) => async (windowMs: number): Promise<Date[]> => {
        if (!recent || recent.windowMs !== windowMs) {
          // Messages the limit does not apply to are not counted either (domain RATE_LIMIT_EXEMPT_TYPES).
          const counted = `NOT (ticket_id IS NOT NULL AND notification_type = ANY($5::text[]) AND idempotency_key NOT LIKE '${REPLY_KEY_PREFIX}%')`;
          const { rows } = await query<{ recipient: string; sent_at: Date }>(
            `SELECT recipient, sent_at FROM ${this.t.d} WHERE recipient = ANY($1) AND sent_at > $2 AND NOT (id = ANY($3::uuid[])) AND ${counted}
             UNION ALL
             SELECT recipient, $4::timestamptz FROM ${this.t.d}
               WHERE status = 'SENDING' AND recipient = ANY($1) AND NOT (id = ANY($3::uuid[])) AND (sent_at IS NULL OR sent_at <= $2) AND ${counted}`,
            [[...new Set(due.map((x) => x.recipient))], new Date(now.getTime() - windowMs), claimedIds, now, [...RATE_LIMIT_EXEMPT_TYPES]],
          );
          const byRecipient = new Map<string, Date[]>();
          for (const r of rows) {
            const list = byRecipient.get(r.recipient) ?? [];
            list.push(r.sent_at);
            byRecipient.set(r.recipient, list);
          }
          recent = { windowMs, byRecipient };
        }
        return [...(recent.byRecipient.get(d.recipient) ?? []), ...(approved.get(d.recipient) ?? [])];
      };
      const toSend: DeliveryRecord[] = [];
      const held: Array<{ id: string; until: Date; reason: string }> = [];
      for (const d of due) {
        const hold = await gate(d, recentSendsOf(d));
        if (hold) {
          held.push({ id: d.id, until: hold.until, reason: hold.reason });
        } else {
          toSend.push(d);
          if (isRateLimitExempt(d)) continue; // not counted (see the read above)
          const list = approved.get(d.recipient) ?? [];
          list.push(now);
          approved.set(d.recipient, list);
        }
      }
      if (held.length > 0) {
        await query(
          `UPDATE ${this.t.d} AS d SET status = 'DEFERRED', deferred_until = v.until, deferred_reason = v.reason, due_at = v.until, lease_until = NULL, updated_at = $3
             FROM unnest($1::uuid[], $2::timestamptz[], $4::text[]) AS v(id, until, reason) WHERE d.id = v.id`,
          [held.map((h) => h.id), held.map((h) => h.until), now, held.map((h) => h.reason)],
        );
      }
      return { value: toSend };
    });
  }

  /** See DeliveryStore.releaseClaim. */
  async releaseClaim(claimed: DeliveryRecord, now: Date): Promise<DeliveryRecord | null> {
    const rows = await this.q<DeliveryRow>(
      this.ds,
      `UPDATE ${this.t.d} SET status = CASE WHEN rounds = 0 THEN 'QUEUED' ELSE 'FAILED' END, lease_until = NULL, updated_at = $3
        WHERE id = $1 AND status = 'SENDING' AND lease_until = $2 RETURNING *`,
      [claimed.id, claimed.leaseUntil, now],
    );
    return rows[0] ? deliveryFromRow(rows[0]) : null;
  }

  /**
   * Records a send round: the attempts (numbered after the existing ones), then the delivery's
   * new state, with a `sent` or `failed` event carrying the last attempt. The row is updated when
   * it is still SENDING under the round's claim (`claimed.leaseUntil`), or when that claim's lease
   * expired meanwhile (DEAD with {@link LEASE_EXPIRED_ERROR}, possibly re-queued by RetryDelivery
   * since, not claimed again): the round knows what the expiry had to guess, so an accepted send
   * ends SENT with its provider message id. A row claimed again since (another lease) keeps its
   * state; the attempts are still recorded. Resolves with the delivery after the change (null
   * when the delivery does not exist). Rejects with the database's error when the write failed
   * (nothing of the round kept; the caller may call again with the same arguments).
   * SENT stores the new provider message id and clears provider_state_id (an earlier message's
   * Fonnte stateid; the new message's first receipt brings its own, providers.md §1.7).
   *
   * Group commit: rounds finished while an earlier group is being written are written together
   * in the next transaction (at most {@link ROUND_GROUP} rounds, up to {@link ROUND_FLUSHES}
   * transactions at once), set-wise: one conditional
   * `UPDATE … FROM unnest(…) WHERE status = 'SENDING'` per outcome present (SENT / FAILED / DEAD;
   * it also takes the row locks and reserves the attempt numbers by `attempt_count + n`), one
   * for the rows no longer SENDING (attempt_count only), one attempt INSERT from unnest, one
   * outbox INSERT and one NOTIFY — about six statements per group whatever its size, instead of
   * two per round. Each caller's promise resolves when ITS group committed, so nothing is
   * acknowledged before it is durable. If a group fails, its rounds are retried one transaction
   * each, so one bad round cannot lose the others' bookkeeping.
   *
   * With `claimed` (the record the dispatcher claimed), the rounds of a group go in ONE statement
   * instead (writeClaimedRounds): the row after the round and its event are known in advance from
   * the claimed record, since nothing else changes a SENDING row under its lease except the
   * lease's expiry. A round whose row was no longer SENDING under its lease (expired meanwhile) is
   * written by the transaction above.
   *
   * Each round's event carries the trace context active when recordRound is called (the
   * dispatcher's `gateway.send` span of that delivery), whichever group writes it.
   */
  recordRound(deliveryId: string, attempts: readonly NewAttempt[], result: RoundResult, now: Date, claimed?: DeliveryRecord): Promise<DeliveryRecord | null> {
    return new Promise((resolve, reject) => {
      this.rounds.push({
        deliveryId, attempts, result, now, trace: injectTraceHeaders(), resolve, reject, ...(claimed && claimed.id === deliveryId ? { claimed } : {}),
      });
      this.pumpRounds();
    });
  }

  /** Starts group transactions while fewer than {@link ROUND_FLUSHES} are running and rounds wait. */
  private pumpRounds(): void {
    while (this.activeFlushes < ROUND_FLUSHES && this.rounds.length > 0) {
      const group = this.rounds.splice(0, ROUND_GROUP);
      this.activeFlushes++;
      void this.flushGroup(group).finally(() => {
        this.activeFlushes--;
        this.pumpRounds();
      });
    }
  }

  private async flushGroup(group: PendingRound[]): Promise<void> {
    let rest = group;
    const claimed = group.filter((r) => r.claimed !== undefined);
    if (claimed.length > 0) {
      try {
        const done = await this.writeClaimedRounds(claimed);
        rest = group.filter((r) => !done.has(r));
      } catch (err) {
        if (group.length === 1) {
          group[0]!.reject(err);
          return;
        }
        // The statement failed as a whole: every round of the group goes the transactional way below.
      }
    }
    if (rest.length === 0) return;
    try {
      const out = await this.tx((m, changes) => this.writeRounds(m, changes, rest), { guardPlans: true, traceOf: roundTraces(rest) });
      rest.forEach((r, i) => r.resolve(out[i]!));
    } catch (err) {
      if (rest.length === 1) {
        rest[0]!.reject(err);
        return;
      }
      for (const r of rest) {
        await this.tx(async (m, changes) => (await this.writeRounds(m, changes, [r]))[0]!, { traceOf: roundTraces([r]) }).then(r.resolve, r.reject);
      }
    }
  }

  /**
   * Writes rounds of claimed deliveries in ONE statement (data-modifying CTEs, atomic without
   * BEGIN/COMMIT): the rows still SENDING get the round's outcome (one UPDATE … FROM unnest with
   * the SENT / FAILED / DEAD columns per row), the attempts (numbered in SQL after the row's
   * attempt_count as the UPDATE found it, never after a stale copy) and the `sent` / `failed`
   * events of the rows updated, with the relay's NOTIFY.
   * The after-state and the events are computed from the claimed records ({@link roundAfter}).
   * Resolves the rounds written; returns them. Rounds whose row was not SENDING under the claim's
   * lease any more (or is gone), or whose attempt_count moved since the claim (a late round of an
   * earlier claim of the row, re-driven and claimed again, recorded its attempts meanwhile: the
   * precomputed after-state and event would be off) are left to the transactional path
   * (writeRounds), which decides what they still change and numbers from the locked row; so are
   * later rounds of a delivery already in this statement.
   */
  private async writeClaimedRounds(rounds: readonly PendingRound[]): Promise<Set<PendingRound>> {
    const seen = new Set<string>();
    const pass = rounds.filter((r) => !seen.has(r.deliveryId) && seen.add(r.deliveryId));
    const plans = pass.map((r) => ({ r, ...roundAfter(r.claimed!, r.attempts, r.result, r.now) }));
    const publish = this.options.publishEvents !== false;
    const changes: DeliveryChange[] = plans.map((p) => ({
      eventId: randomUUID(), kind: p.r.result.status === 'SENT' ? 'sent' : 'failed', delivery: p.after, previousStatus: 'SENDING', ...(p.last ? { attempt: p.last } : {}), at: p.r.now,
    }));
    // Each event in its own round's trace (the rounds of a group come from different sends).
    const events = publish
      ? changes.map((c, i) => ({ ...this.deliveryEvent(c), key: c.delivery.id, headers: plans[i]!.r.trace }))
      : [];
    const attempts = plans.flatMap((p) => p.records);
    const col = <T>(f: (p: (typeof plans)[number]) => T): T[] => plans.map(f);
    const res = (x: RoundResult) => x as Partial<Extract<RoundResult, { status: 'SENT' }>> & Partial<Extract<RoundResult, { status: 'FAILED' }>>;
    const e = 26; // first parameter of the outbox arrays
    const rows = await this.q<{ id: string; attempt_count: number }>(
      this.ds,
      `WITH v AS (
         SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::boolean[], $8::text[], $9::text[],
                              $10::timestamptz[], $11::text[], $12::timestamptz[], $13::text[], $${e + 6}::timestamptz[], $${e + 7}::int[], $${e + 8}::int[])
           AS v(id, n, status, provider, provider_message_id, cost, failover, channel, body, at, last_error, next_attempt_at, pinned_provider, lease_until,
                claimed_count, counted)),
       s AS (
         UPDATE ${this.t.d} AS d SET status = v.status, attempt_count = d.attempt_count + v.n, rounds = d.rounds + v.counted,
                uncounted_rounds = CASE WHEN v.counted = 0 THEN d.uncounted_rounds + 1 ELSE 0 END,
                provider = COALESCE(v.provider, d.provider),
                provider_message_id = CASE WHEN v.status = 'SENT' THEN v.provider_message_id ELSE d.provider_message_id END,
                provider_state_id = CASE WHEN v.status = 'SENT' THEN NULL ELSE d.provider_state_id END,
                cost_rupiah = d.cost_rupiah + v.cost,
                failover = CASE WHEN v.status = 'SENT' THEN v.failover ELSE d.failover END,
                channel = CASE WHEN v.status = 'SENT' THEN v.channel ELSE d.channel END,
                body = COALESCE(v.body, d.body),
                sent_at = CASE WHEN v.status = 'SENT' THEN v.at ELSE d.sent_at END,
                updated_at = v.at, lease_until = NULL,
                last_error = CASE WHEN v.status = 'SENT' THEN NULL ELSE v.last_error END,
                next_attempt_at = CASE WHEN v.status = 'FAILED' THEN v.next_attempt_at ELSE NULL END,
                due_at = CASE WHEN v.status = 'FAILED' THEN v.next_attempt_at ELSE d.due_at END,
                deferred_until = CASE WHEN v.status = 'SENT' THEN NULL ELSE d.deferred_until END,
                pinned_provider = CASE WHEN v.status = 'SENT' THEN NULL WHEN v.status = 'FAILED' THEN v.pinned_provider ELSE d.pinned_provider END
           FROM v WHERE d.id = v.id AND d.status = 'SENDING' AND (v.lease_until IS NULL OR d.lease_until = v.lease_until)
                AND d.attempt_count = v.claimed_count
         RETURNING d.id, d.attempt_count, v.n),
       a AS (
         INSERT INTO ${this.t.a} (id, delivery_id, number, provider, outcome, error, latency_ms, provider_message_id, cost_rupiah, http_status, started_at, finished_at)
         SELECT x.id, x.delivery_id, s.attempt_count - s.n + x.k, x.provider, x.outcome, x.error, x.latency_ms, x.provider_message_id, x.cost_rupiah,
                x.http_status, x.started_at, x.finished_at
           FROM unnest($14::uuid[], $15::uuid[], $16::int[], $17::text[], $18::text[], $19::text[], $20::int[], $21::text[], $22::bigint[],
                       $23::int[], $24::timestamptz[], $25::timestamptz[])
                AS x(id, delivery_id, k, provider, outcome, error, latency_ms, provider_message_id, cost_rupiah, http_status, started_at, finished_at)
           JOIN s ON s.id = x.delivery_id),
       o AS (${outboxInsertSql(this.schema, e, { cte: 's', column: 'id' })})
       SELECT s.id::text AS id, s.attempt_count, CASE WHEN $${e + 5}::text <> '' THEN pg_notify($${e + 5}, '') END AS relay FROM s`,
      [
        col((p) => p.r.deliveryId), col((p) => p.r.attempts.length), col((p) => p.r.result.status), col((p) => p.r.result.provider ?? null),
        col((p) => res(p.r.result).providerMessageId ?? null), col((p) => res(p.r.result).costRupiah ?? 0), col((p) => res(p.r.result).failover ?? false),
        col((p) => res(p.r.result).channel ?? null), col((p) => res(p.r.result).body ?? null), col((p) => p.r.now),
        col((p) => res(p.r.result).lastError ?? null), col((p) => res(p.r.result).nextAttemptAt ?? null), col((p) => res(p.r.result).pinnedProvider ?? null),
        attempts.map((a) => a.id), attempts.map((a) => a.deliveryId), plans.flatMap((p) => p.records.map((_, k) => k + 1)), attempts.map((a) => a.provider),
        attempts.map((a) => a.outcome), attempts.map((a) => a.error), attempts.map((a) => a.latencyMs), attempts.map((a) => a.providerMessageId),
        attempts.map((a) => a.costRupiah), attempts.map((a) => a.httpStatus), attempts.map((a) => a.startedAt), attempts.map((a) => a.finishedAt),
        ...outboxInsertParams(events, {}),
        publish && events.length > 0 && !this.options.handoff ? outboxChannel(this.schema) : '',
        col((p) => p.r.claimed!.leaseUntil), col((p) => p.r.claimed!.attemptCount),
        col((p) => (p.r.result.status === 'FAILED' && p.r.result.uncounted ? 0 : 1)),
      ],
    );
    const written = new Map(rows.map((row) => [row.id, Number(row.attempt_count)]));
    const done = new Set<PendingRound>();
    const committed: DeliveryChange[] = [];
    plans.forEach((p, i) => {
      const count = written.get(p.r.deliveryId);
      if (count === undefined) return;
      // Written only while attempt_count was still the claimed one: it is that plus this round's.
      const after = count === p.after.attemptCount ? p.after : { ...p.after, attemptCount: count };
      committed.push(changes[i]!);
      done.add(p.r);
      p.r.resolve(after);
    });
    if (this.options.handoff && events.length > 0) this.options.handoff(events.filter((e) => written.has(e.key)));
    if (committed.length > 0) this.options.onCommitted?.(committed);
    return done;
  }

  /** Writes `group` (see recordRound) in the caller's transaction; results in `group` order. */
  private async writeRounds(m: EntityManager, changes: DeliveryChange[], group: readonly PendingRound[]): Promise<Array<DeliveryRecord | null>> {
    // A delivery twice in one group (not expected: one worker holds a SENDING row) is written in
    // a later pass, so each set-wise UPDATE sees every id at most once.
    const out = new Array<DeliveryRecord | null>(group.length).fill(null);
    for (const pass of passesByKey(group, (round) => round.deliveryId)) {
      const written = await this.writeRoundPass(m, changes, pass.map((p) => p.item));
      pass.forEach((p, i) => (out[p.index] = written[i]!));
    }
    return out;
  }

  /**
   * One pass of {@link writeRounds} (each delivery at most once). The rows are locked and read
   * first, and a round is applied to its row ({@link roundApplies}) when the row is still SENDING
   * under the round's claim, or when the lease of that very claim expired meanwhile (DEAD with
   * {@link LEASE_EXPIRED_ERROR}, or QUEUED again by a RetryDelivery of that DEAD row, and not
   * claimed since): the round has the definite answer the expiry had to guess, so an accepted
   * send ends SENT with its attempt and provider message id (receipts can then match it, and a
   * re-drive does not send it twice), a failed one FAILED or DEAD as usual. Its event's
   * previous status is then the row's (DEAD / QUEUED). Any other row (re-claimed by another round,
   * settled otherwise) keeps its state; its attempt_count and the attempts are still recorded.
   */
  private async writeRoundPass(m: EntityManager, changes: DeliveryChange[], all: readonly PendingRound[]): Promise<Array<DeliveryRecord | null>> {
    const d = this.t.d;
    const settled = new Map<string, DeliveryRow>();
    const current = new Map(
      (await this.q<{ id: string; status: DeliveryStatus; lease_until: Date | null; last_error: string | null }>(
        m, `SELECT id::text AS id, status, lease_until, last_error FROM ${d} WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [all.map((r) => r.deliveryId)],
      )).map((row) => [row.id, row]),
    );
    const rounds = all.filter((r) => {
      const row = current.get(r.deliveryId);
      return row !== undefined && roundApplies(row, r.claimed?.leaseUntil ?? null);
    });
    const sent = rounds.filter((r): r is PendingRound & { result: Extract<RoundResult, { status: 'SENT' }> } => r.result.status === 'SENT');
    const failed = rounds.filter((r): r is PendingRound & { result: Extract<RoundResult, { status: 'FAILED' }> } => r.result.status === 'FAILED');
    const dead = rounds.filter((r): r is PendingRound & { result: Extract<RoundResult, { status: 'DEAD' }> } => r.result.status === 'DEAD');
    const keep = (rows: DeliveryRow[]) => rows.forEach((row) => settled.set(row.id, row));
    if (sent.length > 0) {
      keep(await this.q<DeliveryRow>(
        m,
        `UPDATE ${d} AS d SET status = 'SENT', attempt_count = d.attempt_count + v.n, rounds = d.rounds + 1, uncounted_rounds = 0, provider = v.provider,
           provider_message_id = v.provider_message_id, provider_state_id = NULL, cost_rupiah = d.cost_rupiah + v.cost, failover = v.failover, channel = v.channel,
           body = COALESCE(v.body, d.body), sent_at = v.at, updated_at = v.at, lease_until = NULL, last_error = NULL, next_attempt_at = NULL,
           deferred_until = NULL, pinned_provider = NULL
         FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::bigint[], $6::boolean[], $7::text[], $8::text[], $9::timestamptz[])
           AS v(id, n, provider, provider_message_id, cost, failover, channel, body, at)
         WHERE d.id = v.id RETURNING d.*`,
        [
          sent.map((r) => r.deliveryId), sent.map((r) => r.attempts.length), sent.map((r) => r.result.provider),
          sent.map((r) => r.result.providerMessageId), sent.map((r) => r.result.costRupiah), sent.map((r) => r.result.failover),
          sent.map((r) => r.result.channel), sent.map((r) => r.result.body), sent.map((r) => r.now),
        ],
      ));
    }
    if (failed.length > 0) {
      keep(await this.q<DeliveryRow>(
        m,
        `UPDATE ${d} AS d SET status = 'FAILED', attempt_count = d.attempt_count + v.n, rounds = d.rounds + v.counted,
           uncounted_rounds = CASE WHEN v.counted = 0 THEN d.uncounted_rounds + 1 ELSE 0 END, provider = COALESCE(v.provider, d.provider),
           last_error = v.last_error, next_attempt_at = v.next_attempt_at, due_at = v.next_attempt_at, pinned_provider = v.pinned_provider,
           lease_until = NULL, updated_at = v.at
         FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::timestamptz[], $8::int[])
           AS v(id, n, provider, last_error, next_attempt_at, pinned_provider, at, counted)
         WHERE d.id = v.id RETURNING d.*`,
        [
          failed.map((r) => r.deliveryId), failed.map((r) => r.attempts.length), failed.map((r) => r.result.provider), failed.map((r) => r.result.lastError),
          failed.map((r) => r.result.nextAttemptAt), failed.map((r) => r.result.pinnedProvider), failed.map((r) => r.now),
          failed.map((r) => (r.result.uncounted ? 0 : 1)),
        ],
      ));
    }
    if (dead.length > 0) {
      keep(await this.q<DeliveryRow>(
        m,
        `UPDATE ${d} AS d SET status = 'DEAD', attempt_count = d.attempt_count + v.n, rounds = d.rounds + 1, uncounted_rounds = 0, provider = COALESCE(v.provider, d.provider),
           last_error = v.last_error, next_attempt_at = NULL, lease_until = NULL, updated_at = v.at
         FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::timestamptz[]) AS v(id, n, provider, last_error, at)
         WHERE d.id = v.id RETURNING d.*`,
        [dead.map((r) => r.deliveryId), dead.map((r) => r.attempts.length), dead.map((r) => r.result.provider), dead.map((r) => r.result.lastError), dead.map((r) => r.now)],
      ));
    }
    // Not this round's row any more (claimed again since, or settled otherwise): keep its state, still record the attempts.
    const rows = new Map(settled);
    const unsettled = all.filter((r) => current.has(r.deliveryId) && !settled.has(r.deliveryId));
    if (unsettled.length > 0) {
      const bumped = await this.q<DeliveryRow>(
        m,
        `UPDATE ${d} AS d SET attempt_count = d.attempt_count + v.n FROM unnest($1::uuid[], $2::int[]) AS v(id, n) WHERE d.id = v.id RETURNING d.*`,
        [unsettled.map((r) => r.deliveryId), unsettled.map((r) => r.attempts.length)],
      );
      for (const row of bumped) rows.set(row.id, row);
    }
    // The attempts of every round whose delivery exists, numbered after the ones before.
    const cols: unknown[][] = Array.from({ length: 12 }, () => []);
    for (const r of all) {
      const row = rows.get(r.deliveryId);
      if (!row) continue;
      const first = row.attempt_count - r.attempts.length + 1;
      r.attempts.forEach((a, i) => {
        [randomUUID(), r.deliveryId, first + i, a.provider, a.outcome, a.error, Math.round(a.latencyMs), a.providerMessageId, a.costRupiah, a.httpStatus, a.startedAt, a.finishedAt]
          .forEach((v, k) => cols[k]!.push(v));
      });
    }
    const lastAttempt = new Map<string, AttemptRecord>();
    if (cols[0]!.length > 0) {
      const inserted = await this.q<AttemptRow>(
        m,
        `INSERT INTO ${this.t.a} (id, delivery_id, number, provider, outcome, error, latency_ms, provider_message_id, cost_rupiah, http_status, started_at, finished_at)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[], $9::bigint[], $10::int[],
           $11::timestamptz[], $12::timestamptz[]) RETURNING *`,
        cols,
      );
      for (const a of inserted) {
        const cur = lastAttempt.get(a.delivery_id);
        if (!cur || a.number > cur.number) lastAttempt.set(a.delivery_id, attemptFromRow(a));
      }
    }
    return all.map((r) => {
      const row = rows.get(r.deliveryId);
      if (!row) return null;
      const after = deliveryFromRow(row);
      if (settled.has(r.deliveryId)) {
        const last = lastAttempt.get(r.deliveryId);
        const previousStatus = current.get(r.deliveryId)!.status;
        changes.push({ eventId: randomUUID(), kind: r.result.status === 'SENT' ? 'sent' : 'failed', delivery: after, previousStatus, ...(last ? { attempt: last } : {}), at: r.now });
      }
      return after;
    });
  }

  /**
   * Crash policy (issue 5, documented in the dispatcher): a delivery still SENDING after its lease
   * expired belonged to a process that stopped during (or right after) the provider call; the
   * provider may have accepted it. It is NOT re-sent automatically: it becomes DEAD with
   * {@link LEASE_EXPIRED_ERROR} and a `failed` event; RetryDelivery re-drives it after a human
   * checked. `lease_until` is kept on the DEAD row as the token of the expired claim: a gateway
   * that was only cut off from Postgres records its round later and that round still applies
   * (recordRound). `exclude`: ids not to expire (the rounds the calling process itself is still
   * recording: it knows they are alive). Returns the deliveries changed.
   */
  async expireLeases(now: Date, exclude: readonly string[] = []): Promise<DeliveryRecord[]> {
    return this.tx(async (m, changes) => {
      const rows = await this.q<DeliveryRow>(
        m,
        `UPDATE ${this.t.d} SET status = 'DEAD', last_error = $2, updated_at = $1
          WHERE id IN (SELECT id FROM ${this.t.d} WHERE status = 'SENDING' AND lease_until < $1 AND NOT (id = ANY($3::uuid[])) FOR UPDATE SKIP LOCKED)
          RETURNING *`,
        [now, LEASE_EXPIRED_ERROR, exclude],
      );
      const out = rows.map(deliveryFromRow);
      for (const d of out) changes.push({ eventId: randomUUID(), kind: 'failed', delivery: d, previousStatus: 'SENDING', at: now });
      return out;
    });
  }

  /** See DeliveryStore.withdrawOptedOut: the waiting rows (the claim index) of that address and channel, locked as supersede locks them. */
  withdrawOptedOut(phone: string, channel: Channel, reason: string, now: Date, repliesBefore?: Date): Promise<DeliveryRecord[]> {
    return this.withdrawWaiting(`d.recipient = $1 AND d.recipient_kind <> 'GROUP'`, [phone], channel, reason, now, repliesBefore);
  }

  /** See DeliveryStore.withdrawSwitchedOff. */
  withdrawSwitchedOff(recipient: { kind: RecipientKind; id: string }, channel: Channel, reason: string, now: Date): Promise<DeliveryRecord[]> {
    return this.withdrawWaiting('d.recipient_kind = $1 AND d.recipient_id = $2', [recipient.kind, recipient.id], channel, reason, now);
  }

  /**
   * The waiting deliveries (WITHDRAWABLE_STATUSES, found through the claim index) that `match`
   * (SQL over `d`, its parameters `$1…` = `matchParams`) selects on `channel`, but not the reply
   * flow's answers (except those created before `repliesBefore`) → CANCELLED with `reason`, a
   * `failed` event each; locked as supersede locks them (a row being claimed is waited for, then
   * left alone once SENDING).
   * For SMS, in the same transaction, the WhatsApp deliveries `match` selects lose their SMS
   * fallback text (`fallback_body` NULL): those waiting or in a round, and those SENT in the last
   * {@link FALLBACK_DROP_SENT_WINDOW_MS} (a failure receipt could still move them to SMS,
   * decideAfterFailedReceipt): the SMS fallback is an SMS too. Already moved ones (channel SMS)
   * are withdrawn as SMS deliveries.
   */
  private async withdrawWaiting(match: string, matchParams: readonly unknown[], channel: Channel, reason: string, now: Date, repliesBefore?: Date): Promise<DeliveryRecord[]> {
    const n = matchParams.length;
    return this.tx(async (m, changes) => {
      const rows = await this.q<DeliveryRow & { previous_status: DeliveryStatus }>(
        m,
        `WITH cur AS (
           SELECT d.id, d.status FROM ${this.t.d} d
            WHERE d.status = ANY($${n + 2}::text[]) AND ${match} AND d.channel = $${n + 1}
              AND ((d.notification_type <> 'REPLY' AND d.idempotency_key NOT LIKE $${n + 5}) OR d.created_at < $${n + 6}::timestamptz)
            ORDER BY d.created_at, d.id
            FOR UPDATE)
         UPDATE ${this.t.d} d SET status = 'CANCELLED', last_error = $${n + 3}, next_attempt_at = NULL, deferred_until = NULL, deferred_reason = NULL, updated_at = $${n + 4}
           FROM cur WHERE d.id = cur.id AND d.status = ANY($${n + 2}::text[])
         RETURNING d.*, cur.status AS previous_status`,
        [...matchParams, channel, WITHDRAWABLE_STATUSES, reason, now, `${REPLY_KEY_PREFIX}%`, repliesBefore ?? null],
      );
      for (const r of rows) changes.push({ eventId: randomUUID(), kind: 'failed', delivery: deliveryFromRow(r), previousStatus: r.previous_status, at: now });
      if (channel === 'SMS') {
        await this.q(
          m,
          `UPDATE ${this.t.d} d SET fallback_body = NULL, fallback_template_version = NULL, updated_at = $${n + 1}
            WHERE ${match} AND d.channel = 'WHATSAPP' AND d.fallback_body IS NOT NULL
              AND (d.status IN ('QUEUED', 'DEFERRED', 'FAILED', 'SENDING') OR (d.status = 'SENT' AND d.sent_at > $${n + 2}))`,
          [...matchParams, now, new Date(now.getTime() - FALLBACK_DROP_SENT_WINDOW_MS)],
        );
      }
      return rows.map(deliveryFromRow);
    });
  }

  /** See DeliveryStore.applyQuietHours: one statement over the waiting rows (the claim index), then a wake-up. */
  async applyQuietHours(recipient: { kind: RecipientKind; id: string }, quietHours: StoredQuietHours | null, now: Date): Promise<{ updated: number; madeDue: number }> {
    const rows = await this.q<{ made_due: boolean }>(
      this.ds,
      `WITH u AS (
         UPDATE ${this.t.d} d
            SET quiet_hours = $3::jsonb,
                due_at = CASE WHEN d.status = 'DEFERRED' AND d.deferred_reason = 'quiet hours' THEN LEAST(d.due_at, $4) ELSE d.due_at END,
                deferred_until = CASE WHEN d.status = 'DEFERRED' AND d.deferred_reason = 'quiet hours' THEN LEAST(d.deferred_until, $4) ELSE d.deferred_until END,
                updated_at = $4
          WHERE d.status IN ('QUEUED', 'DEFERRED', 'FAILED') AND d.recipient_kind = $1 AND d.recipient_id = $2
          RETURNING (d.status = 'DEFERRED' AND d.deferred_reason = 'quiet hours') AS made_due
       )
       SELECT made_due, CASE WHEN $5::text <> '' AND bool_or(made_due) OVER () THEN pg_notify($5, '') END AS wake FROM u`,
      [recipient.kind, recipient.id, quietHours ? JSON.stringify(quietHours) : null, now, this.options.wakeLocal ? '' : this.wakeChannel],
    );
    const madeDue = rows.filter((r) => r.made_due).length;
    if (madeDue > 0) this.options.wakeLocal?.();
    return { updated: rows.length, madeDue };
  }

  /**
   * RetryDelivery: FAILED or DEAD → QUEUED, due now, rounds reset (attempts allowed again),
   * pinned provider kept after an ambiguous outcome. NotFoundError / FailedPreconditionError
   * (naming the status) otherwise, and FailedPreconditionError (naming why) for a message its
   * ticket made stale (a recorded supersession matches it: a job offer of a ticket taken since…)
   * or a payment reminder of an invoice paid or voided since (closeInvoice).
   */
  async redrive(id: string, now: Date): Promise<DeliveryRecord> {
    return this.tx(async (m) => {
      const cur = await this.q<DeliveryRow>(m, `SELECT * FROM ${this.t.d} WHERE id::text = $1 FOR UPDATE`, [id]);
      if (!cur[0]) throw new NotFoundError('delivery', id);
      const status = cur[0].status as DeliveryStatus;
      if (!REDRIVABLE_STATUSES.includes(status)) {
        throw new FailedPreconditionError(`delivery ${id} is ${status}; only FAILED or DEAD deliveries can be retried`);
      }
      // A message its ticket made stale (a job offer of a ticket taken since…) is not sent again.
      const stale = await this.q<{ reason: string | null }>(
        m,
        `SELECT (${supersededReason(this.t.s)}) AS reason FROM ${this.t.d} d WHERE d.id = $1`,
        [cur[0].id],
      );
      if (stale[0]?.reason) throw new FailedPreconditionError(`delivery ${id} is no longer to be sent (${stale[0].reason.replace(/^withdrawn unsent: /, '')})`);
      // A payment reminder of an invoice paid (or voided) since is not sent again either.
      const closed = await this.q<{ reason: string }>(
        m,
        `SELECT c.reason FROM ${this.t.n} n JOIN ${this.t.i} c ON c.invoice_id = n.invoice_id WHERE n.id = $1`,
        [cur[0].notification_id],
      );
      if (closed[0]) throw new FailedPreconditionError(`delivery ${id} is no longer to be sent (${closed[0].reason.replace(/^withdrawn unsent: /, '')})`);
      const rows = await this.q<DeliveryRow>(
        m,
        `UPDATE ${this.t.d} SET status = 'QUEUED', due_at = $2, rounds = 0, uncounted_rounds = 0, next_attempt_at = NULL, deferred_until = NULL, updated_at = $2
          WHERE id = $1 RETURNING *`,
        [cur[0].id, now],
      );
      await m.query('SELECT pg_notify($1, $2)', [this.wakeChannel, '']);
      return deliveryFromRow(rows[0]!);
    });
  }

  /**
   * A ticket event's supersessions (domain supersessionsOf), each with the reason its withdrawn
   * deliveries get as last_error: recorded in `ticket_supersessions` (a STAFF one of a new event
   * moves its time to `now`: that technician's messages created until now are stale; the others
   * keep their first record), with a look at whether any delivery of the ticket waits that they
   * make stale (one statement: the usual case ends there); if so, in one transaction, the
   * ticket's deliveries they match that are waiting (WITHDRAWABLE_STATUSES) → CANCELLED, retry
   * time and deferral cleared, a `failed` event each (ARCHITECTURE.md's five delivery subjects;
   * status CANCELLED, no attempt). The rows
   * are locked without SKIP LOCKED: a row a claim is taking is waited for, and Postgres re-reads
   * it, so it is left alone once SENDING (withdrawSuperseded takes it at its next claim if its
   * round fails). Found through the ticket index (`deliveries_ticket_idx`). Resolves with the
   * withdrawn rows (none: a no-op, e.g. the same event handled again).
   */
  async supersede(
    ticketId: string, marks: ReadonlyArray<Supersession & { reason: string }>, now: Date, opts: { assignedTo?: string } = {},
  ): Promise<DeliveryRecord[]> {
    if (marks.length === 0 && !opts.assignedTo) return [];
    // One statement, committed on its own: drop the new technician's STAFF record (A → B → A: they
    // are no longer one it was taken from), record the marks, and look whether any delivery of the
    // ticket is waiting that they (or the records already there) make stale. A STAFF record moves
    // to `now` for a NEW event only (its reason names the event): the same event handled again (a
    // redelivery) must not make the messages it created since stale. Mostly nothing is waiting
    // (the offers went out before the ticket was taken): then that is all. Anything that starts
    // to wait later is caught at its claim (withdrawSuperseded), the records being committed.
    const [probe] = await this.q<{ stale: boolean }>(
      this.ds,
      `WITH del AS (DELETE FROM ${this.t.s} WHERE ticket_id = $1 AND kind = 'STAFF' AND staff_id = $6),
            ins AS (
              INSERT INTO ${this.t.s} AS s (ticket_id, kind, staff_id, reason, created_at)
              SELECT $1, k, st, r, $5 FROM unnest($2::text[], $3::text[], $4::text[]) AS v(k, st, r)
              ON CONFLICT (ticket_id, kind, staff_id) DO UPDATE
                SET created_at = EXCLUDED.created_at, reason = EXCLUDED.reason
              WHERE s.kind = 'STAFF' AND s.reason <> EXCLUDED.reason)
       SELECT EXISTS (
         SELECT 1 FROM ${this.t.d} d
          WHERE d.ticket_id = $1 AND d.status = ANY($7::text[])
            AND EXISTS (SELECT 1 FROM (SELECT kind, staff_id, created_at FROM ${this.t.s} WHERE ticket_id = $1
                                       UNION ALL SELECT k, st, $5::timestamptz FROM unnest($2::text[], $3::text[]) AS v(k, st)) s
                         WHERE ${SUPERSEDED_MATCH})) AS stale`,
      [ticketId, marks.map((x) => x.kind), marks.map((x) => x.staffId), marks.map((x) => x.reason), now, opts.assignedTo ?? '', WITHDRAWABLE_STATUSES],
    );
    if (!probe?.stale) return [];
    return this.tx(async (m, changes) => {
      const rows = await this.q<DeliveryRow & { previous_status: DeliveryStatus }>(
        m,
        `WITH cur AS (
           SELECT d.id, d.status FROM ${this.t.d} d
            WHERE d.ticket_id = $1 AND d.status = ANY($2::text[]) AND EXISTS (SELECT 1 FROM ${this.t.s} s WHERE s.ticket_id = d.ticket_id AND ${SUPERSEDED_MATCH})
            ORDER BY d.created_at, d.id
            FOR UPDATE)
         UPDATE ${this.t.d} d SET status = 'CANCELLED', last_error = (${supersededReason(this.t.s)}), next_attempt_at = NULL, deferred_until = NULL,
                deferred_reason = NULL, updated_at = $3
           FROM cur WHERE d.id = cur.id AND d.status = ANY($2::text[])
         RETURNING d.*, cur.status AS previous_status`,
        [ticketId, WITHDRAWABLE_STATUSES, now],
      );
      for (const r of rows) changes.push({ eventId: randomUUID(), kind: 'failed', delivery: deliveryFromRow(r), previousStatus: r.previous_status, at: now });
      return rows.map(deliveryFromRow);
    });
  }

  /**
   * The claim's side of the supersessions: of the rows just claimed (SENDING under their lease),
   * those a recorded supersession of their ticket matches are withdrawn instead of sent
   * (CANCELLED with its reason, lease cleared, a `failed` event each): a job offer that came back
   * from a failed round, was inserted after the ticket was taken (a notification still being
   * resolved, another replica), an SLA warning ingested after the ticket was closed, a re-driven
   * one. One read (claimed rows joined with their tickets' supersessions) and, only when it finds
   * one, the transaction that withdraws them; no statement at all when no claimed row has a
   * ticket. Resolves with the ids withdrawn. Race: a supersede that waited for this claim's
   * row locks commits just after the claim; when this read comes first, that row is sent (a call
   * about to start, like one in flight, is not interrupted).
   */
  async withdrawSuperseded(claimed: readonly DeliveryRecord[], now: Date): Promise<Set<string>> {
    const candidates = claimed.filter((d) => d.ticketId !== null && d.status === 'SENDING' && !d.idempotencyKey.startsWith(REPLY_KEY_PREFIX));
    return this.withdrawAtClaim(candidates, supersededReason(this.t.s), now);
  }

  /**
   * The claim's withdrawal shared by withdrawSuperseded and withdrawClosedInvoices: of
   * `candidates` (rows just claimed, SENDING), those for which `reasonOf` (a scalar SQL subquery
   * over the delivery `d` giving why it is no longer to be sent, NULL when it still is) gives a
   * reason → CANCELLED with it as last_error, lease cleared, a `failed` event each. One read
   * first (most claims have nothing stale, and then no transaction is opened); no statement at all
   * without candidates. Resolves with the ids withdrawn.
   */
  private async withdrawAtClaim(candidates: readonly DeliveryRecord[], reasonOf: string, now: Date): Promise<Set<string>> {
    if (candidates.length === 0) return new Set();
    const ids = candidates.map((d) => d.id);
    const stale = await this.q<{ id: string }>(this.ds, `SELECT d.id FROM ${this.t.d} d WHERE d.id = ANY($1::uuid[]) AND (${reasonOf}) IS NOT NULL LIMIT 1`, [ids]);
    if (stale.length === 0) return new Set();
    const rows = await this.tx(async (m, changes) => {
      const out = await this.q<DeliveryRow>(
        m,
        `UPDATE ${this.t.d} d SET status = 'CANCELLED', last_error = (${reasonOf}), lease_until = NULL, next_attempt_at = NULL, deferred_until = NULL,
                deferred_reason = NULL, updated_at = $2
          WHERE d.id = ANY($1::uuid[]) AND d.status = 'SENDING' AND (${reasonOf}) IS NOT NULL
         RETURNING d.*`,
        [ids, now],
      );
      for (const r of out) changes.push({ eventId: randomUUID(), kind: 'failed', delivery: deliveryFromRow(r), previousStatus: 'SENDING', at: now });
      return out;
    });
    return new Set(rows.map((r) => r.id));
  }

  /**
   * See DeliveryStore.closeInvoice. The record (first one kept: a second event about the invoice
   * keeps the first reason) and the withdrawal are one transaction; the reminders are found
   * through the notifications' invoice index and locked as supersede locks them (a row being
   * claimed is waited for, then left alone once SENDING: withdrawClosedInvoices takes it at its
   * next claim if its round fails).
   */
  async closeInvoice(invoiceId: string, status: 'PAID' | 'VOID', reason: string, now: Date): Promise<DeliveryRecord[]> {
    return this.tx(async (m, changes) => {
      await this.q(m, `INSERT INTO ${this.t.i} (invoice_id, status, reason, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (invoice_id) DO NOTHING`, [invoiceId, status, reason, now]);
      const rows = await this.q<DeliveryRow & { previous_status: DeliveryStatus }>(
        m,
        `WITH cur AS (
           SELECT d.id, d.status FROM ${this.t.d} d JOIN ${this.t.n} n ON n.id = d.notification_id
            WHERE n.invoice_id = $1 AND d.status = ANY($2::text[])
            ORDER BY d.created_at, d.id
            FOR UPDATE OF d)
         UPDATE ${this.t.d} d SET status = 'CANCELLED', last_error = (SELECT c.reason FROM ${this.t.i} c WHERE c.invoice_id = $1), next_attempt_at = NULL,
                deferred_until = NULL, deferred_reason = NULL, updated_at = $3
           FROM cur WHERE d.id = cur.id AND d.status = ANY($2::text[])
         RETURNING d.*, cur.status AS previous_status`,
        // DEAD too: a reminder that gave up is no longer a failure to look into once the invoice is settled (QA).
        [invoiceId, [...WITHDRAWABLE_STATUSES, 'DEAD'], now],
      );
      for (const r of rows) changes.push({ eventId: randomUUID(), kind: 'failed', delivery: deliveryFromRow(r), previousStatus: r.previous_status, at: now });
      return rows.map(deliveryFromRow);
    });
  }

  /**
   * See DeliveryStore.withdrawClosedInvoices: the claim's side of closeInvoice (a reminder back
   * from a failed round, one ingested after the payment was reported, another replica's). One
   * read (the claimed reminders joined with their invoices' closures) and, only when it finds
   * one, the transaction that withdraws them; no statement when no claimed row is a
   * PAYMENT_REMINDER. Race: as withdrawSuperseded's.
   */
  async withdrawClosedInvoices(claimed: readonly DeliveryRecord[], now: Date): Promise<Set<string>> {
    const candidates = claimed.filter((d) => d.notificationType === 'PAYMENT_REMINDER' && d.status === 'SENDING');
    return this.withdrawAtClaim(candidates, `SELECT c.reason FROM ${this.t.n} n JOIN ${this.t.i} c ON c.invoice_id = n.invoice_id WHERE n.id = d.notification_id`, now);
  }

  // ── receipts ────────────────────────────────────────────────────────────────────────────

  /**
   * Applies a provider receipt. Found by (provider, provider_message_id), or for Fonnte's later
   * receipts by (provider, provider_state_id) (providers.md §1.7: a callback with id and stateid
   * ties the two, later ones carry only stateid). A receipt with a stateid that was found by the
   * delivery's current provider_message_id stores that stateid, replacing an older one (a re-sent
   * delivery is a new Fonnte message with a new stateid; the SENT update clears the old one); this
   * includes a `pending` receipt, which changes nothing else. The receipt is recorded in
   * `receipts` (primary key provider + message key + status): a second identical receipt is
   * `duplicate` and changes nothing more. The state moves per `statusAfterReceipt` (never
   * backwards), with a `delivered` / `read` / `failed` event. A `failed` receipt on a SENT
   * delivery is decided by `afterFailure(rounds)` (the rounds the delivery made; the dispatcher's
   * DELIVERY_MAX_ATTEMPTS and backoff): FAILED with the next round at the decision's time, or DEAD
   * with next_attempt_at cleared; last_error `receipt: <the receipt's error>` either way.
   *
   * No delivery matches (yet): the receipt overtook the round that records its send (a provider
   * answering slowly, its callback fast). It is KEPT in `pending_receipts` (same key; a second
   * identical one is `duplicate`) and applied as above when that round commits
   * ({@link applyKeptReceipts}, called by the dispatcher) or, for a stateid-only one, when a
   * receipt links that stateid. Race: the round may commit between this lookup and this commit
   * and look for kept receipts before this one is visible, so after the commit this looks once
   * more ({@link drainKept}); whichever of the two sees both applies it (the kept row is deleted
   * in the transaction that applies it, so only one does). `unknown`: the receipt names no
   * message at all. Kept receipts a round recorded but nothing applied (the gateway stopped in
   * between) are applied by {@link applyStrandedKeptReceipts}; those nothing ever matches are
   * deleted after RECEIPTS_RETENTION_MS. An `applied` result that includes kept receipts lists
   * them (`kept`), with `from` the status before them all.
   */
  async applyReceipt(
    r: { provider: string; providerMessageId?: string; stateId?: string; status: ReceiptKind; error?: string; at: Date },
    now: Date,
    afterFailure: ReceiptFailurePolicy,
  ): Promise<ReceiptResult> {
    if (!r.providerMessageId && !r.stateId) return { kind: 'unknown' };
    const { result, linkedState } = await this.tx((m, changes) => this.receiptIn(m, changes, r, now, afterFailure, true));
    const linked = linkedState ? await this.drainKept(r.provider, `state:${linkedState}`, now, afterFailure) : null;
    if (linked && (result.kind === 'applied' || result.kind === 'duplicate' || result.kind === 'no_change') && result.delivery?.id === linked.delivery.id) {
      // This receipt linked a stateid whose kept receipts then moved the delivery on (Fonnte's
      // in-between status, then its stateid-only ones that came before the send was recorded).
      const from = result.kind === 'applied' ? result.from : linked.from;
      const kept = [...(result.kind === 'applied' ? (result.kept ?? []) : []), ...linked.kept];
      return linked.delivery.status === from ? result : { kind: 'applied', delivery: linked.delivery, from, kept };
    }
    if (result.kind !== 'kept') return result;
    const drained = await this.drainKept(r.provider, messageKey(r), now, afterFailure);
    if (!drained) return result;
    return drained.delivery.status === drained.from ? { kind: 'no_change', delivery: drained.delivery } : { kind: 'applied', ...drained };
  }

  /**
   * See DeliveryStore.claimUnconfirmed. One UPDATE over the rows a `FOR UPDATE SKIP LOCKED`
   * sub-select picks through `deliveries_unconfirmed_idx` (SENT by sent_at): due when its current
   * message (`<provider>:<provider message id>`) was never looked up (`receipt_checked_id` differs:
   * a re-sent delivery's new message starts from none, also one whose new provider happens to
   * number its messages like the old one), or it was looked up fewer than `maxChecks` times and
   * `receipt_check_at` has come. Each is marked: `receipt_checks` = the look-ups of this message
   * including this one (n), `receipt_check_at` = now + afterMs × 3^n (10 min after the send, then
   * 30 min, 1.5 h, 4.5 h… with the defaults).
   */
  async claimUnconfirmed(now: Date, c: UnconfirmedClaim): Promise<UnconfirmedDelivery[]> {
    if (c.providers.length === 0 || c.limit <= 0 || c.maxChecks <= 0) return [];
    const rows = await this.q<{ id: string; provider: string; provider_message_id: string; receipt_checks: number }>(
      this.ds,
      `UPDATE ${this.t.d} d SET
          receipt_checks = x.n,
          receipt_checked_id = x.message,
          receipt_check_at = $1::timestamptz + make_interval(secs => $4::double precision * power(3, x.n))
        FROM (SELECT id, provider || ':' || provider_message_id AS message,
                     CASE WHEN receipt_checked_id IS DISTINCT FROM provider || ':' || provider_message_id THEN 1 ELSE receipt_checks + 1 END AS n
                FROM ${this.t.d}
               WHERE status = 'SENT' AND sent_at <= $3 AND sent_at > $5
                 AND provider = ANY($2::text[]) AND provider_message_id IS NOT NULL
                 AND (receipt_checked_id IS DISTINCT FROM provider || ':' || provider_message_id OR (receipt_checks < $6 AND receipt_check_at <= $1))
               ORDER BY sent_at LIMIT $7 FOR UPDATE SKIP LOCKED) x
       WHERE d.id = x.id
       RETURNING d.id, d.provider, d.provider_message_id, d.receipt_checks`,
      [now, [...c.providers], new Date(now.getTime() - c.afterMs), c.afterMs / 1000, new Date(now.getTime() - c.maxAgeMs), c.maxChecks, c.limit],
    );
    return rows.map((r) => ({ id: r.id, provider: r.provider, providerMessageId: r.provider_message_id, checks: r.receipt_checks }));
  }

  /** See DeliveryStore.returnUnchecked: one UPDATE for all of them. */
  async returnUnchecked(deliveries: readonly UnconfirmedDelivery[], at: Date): Promise<void> {
    if (deliveries.length === 0) return;
    await this.q(
      this.ds,
      `UPDATE ${this.t.d} d SET receipt_checks = greatest(d.receipt_checks - 1, 0), receipt_check_at = $3
         FROM unnest($1::uuid[], $2::text[]) AS u(id, message_id)
        WHERE d.id = u.id AND d.status = 'SENT' AND d.receipt_checked_id = u.message_id`,
      [deliveries.map((d) => d.id), deliveries.map((d) => `${d.provider}:${d.providerMessageId}`), at],
    );
  }

  /**
   * The receipts kept for a message a round just recorded as SENT (see applyReceipt), applied in
   * the order they happened, each as applyReceipt applies it, in one transaction; then those kept
   * for the Fonnte stateid they linked. Concurrent calls share one look-up of which messages have
   * kept receipts (almost always none: one indexed SELECT per batch of rounds, no transaction).
   * Resolves with the delivery after them, or null when none were kept.
   */
  async applyKeptReceipts(provider: string, providerMessageId: string, now: Date, afterFailure: ReceiptFailurePolicy): Promise<DeliveryRecord | null> {
    const key = `id:${providerMessageId}`;
    if (!(await this.keptLookups.load({ provider, key }))) return null;
    return (await this.drainKept(provider, key, now, afterFailure))?.delivery ?? null;
  }

  /**
   * See DeliveryStore.applyStrandedKeptReceipts. One SELECT of the kept messages (provider,
   * message key) received more than `minAgeMs` ago that a delivery records, by message id or by
   * linked Fonnte stateid (through deliveries_provider_msg_idx / deliveries_provider_state_idx;
   * `pending_receipts` holds only the receipts not applied yet: almost always none), oldest first;
   * then each drained as applyKeptReceipts drains it. Safe against the round's own
   * applyKeptReceipts, a live receipt of the message, another replica's sweep: each applies the
   * kept rows in the transaction that deletes them, under the delivery's row lock, so only one
   * applies them (and `receipts` makes a second application a duplicate anyway).
   */
  async applyStrandedKeptReceipts(minAgeMs: number, limit: number, now: Date, afterFailure: ReceiptFailurePolicy): Promise<KeptReceiptsApplied[]> {
    if (limit <= 0) return [];
    const keys = await this.q<{ provider: string; message_key: string }>(
      this.ds,
      `SELECT p.provider, p.message_key FROM ${this.t.p} p
        WHERE p.received_at < now() - $1 * interval '1 millisecond'
          AND ((p.message_key LIKE 'id:%' AND EXISTS (SELECT 1 FROM ${this.t.d} d WHERE d.provider = p.provider AND d.provider_message_id = substr(p.message_key, 4)))
            OR (p.message_key LIKE 'state:%' AND EXISTS (SELECT 1 FROM ${this.t.d} d WHERE d.provider = p.provider AND d.provider_state_id = substr(p.message_key, 7))))
        GROUP BY p.provider, p.message_key
        ORDER BY min(p.received_at) LIMIT $2`,
      [minAgeMs, limit],
    );
    const applied: KeptReceiptsApplied[] = [];
    for (const k of keys) {
      const out = await this.drainKept(k.provider, k.message_key, now, afterFailure);
      if (out) applied.push(out);
    }
    return applied;
  }

  /** Which of `asks` have kept receipts (one statement for the batch). */
  private async haveKept(asks: ReadonlyArray<{ provider: string; key: string }>): Promise<boolean[]> {
    const rows = await this.q<{ provider: string; message_key: string }>(
      this.ds,
      `SELECT DISTINCT p.provider, p.message_key FROM ${this.t.p} p JOIN unnest($1::text[], $2::text[]) AS v(provider, message_key)
         ON p.provider = v.provider AND p.message_key = v.message_key`,
      [asks.map((a) => a.provider), asks.map((a) => a.key)],
    );
    const found = new Set(rows.map((r) => `${r.provider}\u0000${r.message_key}`));
    return asks.map((a) => found.has(`${a.provider}\u0000${a.key}`));
  }

  /**
   * Applies the receipts kept under (provider, `key`) when a delivery matches it now: one
   * transaction locks the delivery, deletes the kept rows and applies them (oldest first; a
   * `receipts` row each, so one also applied live meanwhile is a duplicate). Then, in a
   * transaction of its own (committed first, for the race in applyReceipt), those kept for the
   * delivery's Fonnte stateid. Returns the delivery after all of them (Fonnte: the id + stateid
   * callback's `sent`, then the stateid's `delivered`, `read`), its status before them and their
   * statuses in the order applied, or null when nothing matched or nothing was kept.
   */
  private async drainKept(
    provider: string, key: string, now: Date, afterFailure: ReceiptFailurePolicy,
  ): Promise<KeptReceiptsApplied | null> {
    let first: KeptReceiptsApplied | null = null;
    const seen = new Set<string>();
    for (let next: string | null = key; next && !seen.has(next);) {
      seen.add(next);
      const k: string = next;
      const out = await this.tx(async (m, changes) => {
        const byId = k.startsWith('id:');
        const value = k.slice(byId ? 'id:'.length : 'state:'.length);
        const row = (await this.q<DeliveryRow>(
          m,
          byId
            ? `SELECT * FROM ${this.t.d} WHERE provider = $1 AND provider_message_id = $2 ORDER BY created_at DESC LIMIT 1 FOR UPDATE`
            : `SELECT * FROM ${this.t.d} WHERE provider = $1 AND provider_state_id = $2 ORDER BY created_at DESC LIMIT 1 FOR UPDATE`,
          [provider, value],
        ))[0];
        if (!row) return null;
        const kept = await this.q<PendingReceiptRow>(m, `DELETE FROM ${this.t.p} WHERE provider = $1 AND message_key = $2 RETURNING *`, [provider, k]);
        if (kept.length === 0) return { delivery: deliveryFromRow(row), from: row.status as DeliveryStatus, kept: [], applied: false };
        kept.sort((a, b) => a.occurred_at.getTime() - b.occurred_at.getTime() || RECEIPT_ORDER.indexOf(a.status) - RECEIPT_ORDER.indexOf(b.status));
        for (const p of kept) {
          await this.receiptIn(m, changes, {
            provider, status: p.status as ReceiptKind, at: p.occurred_at,
            ...(p.provider_message_id ? { providerMessageId: p.provider_message_id } : {}),
            ...(p.state_id ? { stateId: p.state_id } : {}),
            ...(p.error !== null ? { error: p.error } : {}),
          }, now, afterFailure, false);
        }
        const after = (await this.q<DeliveryRow>(m, `SELECT * FROM ${this.t.d} WHERE id = $1`, [row.id]))[0]!;
        return { delivery: deliveryFromRow(after), from: row.status as DeliveryStatus, kept: kept.map((p) => p.status), applied: true };
      });
      if (!out?.applied) break;
      if (!first) first = { delivery: out.delivery, from: out.from, kept: out.kept };
      else if (first.delivery.id === out.delivery.id) first = { delivery: out.delivery, from: first.from, kept: [...first.kept, ...out.kept] };
      else break;
      next = out.delivery.providerStateId ? `state:${out.delivery.providerStateId}` : null;
    }
    return first;
  }

  /**
   * One receipt in the caller's transaction (see applyReceipt); `keep`: store it in
   * `pending_receipts` when no delivery matches (false when applying a kept one). With `keep`, a
   * receipt that finds its delivery by message id first applies the receipts still kept for that
   * message id (so a failed applyKeptReceipts after the round never strands them; the result then
   * lists them in `kept`, `from` the status before them). `linkedState`:
   * the stateid this receipt (or a kept one) tied to the delivery's message id (receipts kept for
   * it may follow).
   */
  private async receiptIn(
    m: EntityManager,
    changes: DeliveryChange[],
    r: { provider: string; providerMessageId?: string; stateId?: string; status: ReceiptKind; error?: string; at: Date },
    now: Date,
    afterFailure: ReceiptFailurePolicy,
    keep: boolean,
  ): Promise<{ result: ReceiptResult; linkedState: string | null }> {
    let row: DeliveryRow | undefined;
    if (r.providerMessageId) {
      row = (await this.q<DeliveryRow>(m, `SELECT * FROM ${this.t.d} WHERE provider = $1 AND provider_message_id = $2 ORDER BY created_at DESC LIMIT 1 FOR UPDATE`, [r.provider, r.providerMessageId]))[0];
    }
    const byMessageId = row !== undefined;
    if (!row && r.stateId) {
      row = (await this.q<DeliveryRow>(m, `SELECT * FROM ${this.t.d} WHERE provider = $1 AND provider_state_id = $2 ORDER BY created_at DESC LIMIT 1 FOR UPDATE`, [r.provider, r.stateId]))[0];
    }
    const key = messageKey(r);
    // A live receipt that finds its delivery by message id first applies the receipts kept for
    // that message (overtaking the bookkeeping) which the round's applyKeptReceipts did not (it
    // failed, or raced this): deleted and applied here, in this transaction, oldest first.
    let keptLinked: string | null = null;
    let keptFirst: { from: DeliveryStatus; kept: string[] } | null = null;
    if (row && byMessageId && keep) {
      const kept = await this.q<PendingReceiptRow>(m, `DELETE FROM ${this.t.p} WHERE provider = $1 AND message_key = $2 RETURNING *`, [r.provider, key]);
      if (kept.length > 0) {
        kept.sort((a, b) => a.occurred_at.getTime() - b.occurred_at.getTime() || RECEIPT_ORDER.indexOf(a.status) - RECEIPT_ORDER.indexOf(b.status));
        keptFirst = { from: row.status as DeliveryStatus, kept: kept.map((p) => p.status) };
        for (const p of kept) {
          const out = await this.receiptIn(m, changes, {
            provider: r.provider, status: p.status as ReceiptKind, at: p.occurred_at,
            ...(p.provider_message_id ? { providerMessageId: p.provider_message_id } : {}),
            ...(p.state_id ? { stateId: p.state_id } : {}),
            ...(p.error !== null ? { error: p.error } : {}),
          }, now, afterFailure, false);
          keptLinked = out.linkedState ?? keptLinked;
        }
        row = (await this.q<DeliveryRow>(m, `SELECT * FROM ${this.t.d} WHERE id = $1`, [row.id]))[0]!;
      }
    }
    if (!row) {
      if (!keep) return { result: { kind: 'kept' }, linkedState: null };
      const stored = await this.q<{ status: string }>(
        m,
        `INSERT INTO ${this.t.p} (provider, message_key, status, provider_message_id, state_id, error, occurred_at) VALUES ($1,$2,$3,$4,$5,$6,$7)
         ON CONFLICT DO NOTHING RETURNING status`,
        [r.provider, key, r.status, r.providerMessageId ?? null, r.stateId ?? null, r.error ?? null, r.at],
      );
      return { result: { kind: stored.length === 0 ? 'duplicate' : 'kept' }, linkedState: null };
    }
    const fresh = await this.q<{ status: string }>(
      m,
      `INSERT INTO ${this.t.r} (provider, message_key, status, delivery_id, error, occurred_at) VALUES ($1,$2,$3,$4,$5,$6)
       ON CONFLICT DO NOTHING RETURNING status`,
      [r.provider, key, r.status, row.id, r.error ?? null, r.at],
    );
    let linkedState: string | null = keptLinked;
    if (r.stateId && byMessageId && row.provider_state_id !== r.stateId) {
      row = (await this.q<DeliveryRow>(m, `UPDATE ${this.t.d} SET provider_state_id = $2 WHERE id = $1 RETURNING *`, [row.id, r.stateId]))[0]!;
      linkedState = r.stateId;
    }
    const before = deliveryFromRow(row);
    // What the kept receipts applied first did is part of this receipt's outcome (from: the status before them).
    const withKept = (d: DeliveryRecord, res: ReceiptResult): ReceiptResult =>
      keptFirst && d.status !== keptFirst.from ? { kind: 'applied', delivery: d, from: keptFirst.from, kept: keptFirst.kept } : res;
    if (fresh.length === 0) return { result: withKept(before, { kind: 'duplicate', delivery: before }), linkedState };
    const next = statusAfterReceipt(before.status, r.status);
    if (!next) return { result: withKept(before, { kind: 'no_change', delivery: before }), linkedState };
    const rows =
      next === 'DELIVERED'
        ? await this.q<DeliveryRow>(
          m,
          `UPDATE ${this.t.d} SET status = 'DELIVERED', delivered_at = ${receiptTimeSql('$2::timestamptz', 'created_at', '$3::timestamptz')}, updated_at = $3 WHERE id = $1 RETURNING *`,
          [row.id, r.at, now],
        )
        : next === 'READ'
          ? await this.q<DeliveryRow>(
            m,
            `UPDATE ${this.t.d} SET status = 'READ', read_at = ${receiptTimeSql('$2::timestamptz', 'COALESCE(delivered_at, created_at)', '$3::timestamptz')},
                    delivered_at = COALESCE(delivered_at, ${receiptTimeSql('$2::timestamptz', 'created_at', '$3::timestamptz')}), updated_at = $3
              WHERE id = $1 RETURNING *`,
            [row.id, r.at, now],
          )
          : await this.failByReceipt(m, before, r, afterFailure(before, r), now);
    const after = deliveryFromRow(rows[0]!);
    changes.push({ eventId: randomUUID(), kind: next === 'DELIVERED' ? 'delivered' : next === 'READ' ? 'read' : 'failed', delivery: after, previousStatus: before.status, at: now });
    return { result: withKept(after, { kind: 'applied', delivery: after, from: before.status }), linkedState };
  }

  /**
   * A `failed` receipt's write (see applyReceipt), `last_error` starting `receipt: ` and the
   * provider's word: FAILED due at the retry time; DEAD (`(permanent: …)` when the receipt said no
   * retry can help); or moved to SMS — FAILED due now, channel SMS, body its SMS text,
   * `sms_fallback_reason` `<provider>: <word>`, no pinned provider (decideAfterFailedReceipt).
   */
  private async failByReceipt(
    m: EntityManager, d: DeliveryRecord, r: { provider: string; error?: string }, decision: ReceiptFailureDecision, now: Date,
  ): Promise<DeliveryRow[]> {
    const word = r.error ?? 'failed';
    const channel = d.channel === 'WHATSAPP' ? 'WhatsApp' : 'SMS';
    switch (decision.kind) {
      case 'retry':
        return this.q<DeliveryRow>(
          m,
          `UPDATE ${this.t.d} SET status = 'FAILED', last_error = $2, next_attempt_at = $3, due_at = $3, updated_at = $4 WHERE id = $1 RETURNING *`,
          [d.id, `receipt: ${word}`, decision.at, now],
        );
      case 'sms':
        return this.q<DeliveryRow>(
          m,
          `UPDATE ${this.t.d} SET status = 'FAILED', channel = 'SMS', body = COALESCE(fallback_body, body), sms_fallback_reason = $5, pinned_provider = NULL,
                  last_error = $2, next_attempt_at = $3, due_at = $3, updated_at = $4 WHERE id = $1 RETURNING *`,
          [d.id, `receipt: ${word} (the number cannot get ${channel} messages: next round by SMS)`, decision.at, now, `${r.provider}: ${word}`],
        );
      case 'dead':
        return this.q<DeliveryRow>(
          m,
          `UPDATE ${this.t.d} SET status = 'DEAD', last_error = $2, next_attempt_at = NULL, updated_at = $3 WHERE id = $1 RETURNING *`,
          [d.id, decision.permanent
            ? `receipt: ${word} (permanent: no retry on ${channel} can reach the number${decision.noSmsFallback ? `; no SMS fallback: ${decision.noSmsFallback}` : ''})`
            : `receipt: ${word}`, now],
        );
    }
  }

  // ── queries ─────────────────────────────────────────────────────────────────────────────

  async delivery(id: string): Promise<DeliveryRecord | null> {
    const rows = await this.q<DeliveryRow>(this.ds, `SELECT * FROM ${this.t.d} WHERE id::text = $1`, [id]);
    return rows[0] ? deliveryFromRow(rows[0]) : null;
  }

  async attempts(deliveryId: string): Promise<AttemptRecord[]> {
    const rows = await this.q<AttemptRow>(this.ds, `SELECT * FROM ${this.t.a} WHERE delivery_id = $1 ORDER BY number`, [deliveryId]);
    return rows.map(attemptFromRow);
  }

  async deliveriesOf(notificationId: string): Promise<DeliveryRecord[]> {
    const rows = await this.q<DeliveryRow>(this.ds, `SELECT * FROM ${this.t.d} WHERE notification_id = $1 ORDER BY created_at, id`, [notificationId]);
    return rows.map(deliveryFromRow);
  }

  /** One page of deliveries, newest first, after the keyset position `after` (created_at, id). */
  async list(filter: DeliveryFilter, limit: number, after?: { createdAt: Date; id: string }): Promise<DeliveryRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.ticketId) add('ticket_id = ?', filter.ticketId);
    if (filter.recipient) add('recipient = ?', filter.recipient);
    if (filter.status) add('status = ?', filter.status);
    if (filter.statuses?.length) add('status = ANY(?::text[])', filter.statuses);
    if (filter.channel) add('channel = ?', filter.channel);
    if (filter.provider) add('provider = ?', filter.provider);
    if (filter.notificationId) add('notification_id::text = ?', filter.notificationId);
    if (filter.notificationType) add('notification_type = ?', filter.notificationType);
    if (filter.createdFrom) add('created_at >= ?', filter.createdFrom);
    if (filter.createdTo) add('created_at < ?', filter.createdTo);
    if (after) {
      params.push(after.createdAt, after.id);
      where.push(`(created_at, id) < ($${params.length - 1}, $${params.length}::uuid)`);
    }
    params.push(limit);
    const { rows } = await this.sql.query<DeliveryRow>(
      `SELECT * FROM ${this.t.d} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(deliveryFromRow);
  }

  /** See DeliveryStore.listNotifications: through the created_at index (notifications_created_idx). */
  async listNotifications(filter: NotificationFilter, limit: number, after?: { createdAt: Date; id: string }): Promise<NotificationRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.status) add('status = ?', filter.status);
    if (filter.source) add('source = ?', filter.source);
    if (filter.notificationType) add('notification_type = ?', filter.notificationType);
    if (filter.ticketId) add('ticket_id = ?', filter.ticketId);
    if (filter.createdFrom) add('created_at >= ?', filter.createdFrom);
    if (filter.createdTo) add('created_at < ?', filter.createdTo);
    if (filter.incomplete) where.push(`status <> 'RESOLVING' AND (deliveries_created = 0 OR left_out > 0)`);
    if (after) {
      params.push(after.createdAt, after.id);
      where.push(`(created_at, id) < ($${params.length - 1}, $${params.length}::uuid)`);
    }
    params.push(limit);
    const rows = await this.q<NotificationRow>(
      this.ds,
      `SELECT * FROM ${this.t.n} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(notificationFromRow);
  }

  /** Aggregates for GetStats over deliveries created (and attempts started) since `since`. */
  async stats(since: Date): Promise<DeliveryStats> {
    const byStatus = await this.q<{ status: string; count: string }>(this.ds, `SELECT status, count(*) AS count FROM ${this.t.d} WHERE created_at >= $1 GROUP BY status ORDER BY status`, [since]);
    const byType = await this.q<{ notification_type: string; count: string; succeeded: string }>(
      this.ds,
      `SELECT notification_type, count(*) FILTER (WHERE status <> 'CANCELLED') AS count, count(*) FILTER (WHERE status IN ('SENT', 'DELIVERED', 'READ')) AS succeeded
         FROM ${this.t.d} WHERE created_at >= $1 GROUP BY notification_type ORDER BY notification_type`,
      [since],
    );
    const byProvider = await this.q<{ provider: string; attempts: string; accepted: string; failed: string; mean_latency: string | null; cost: string }>(
      this.ds,
      `SELECT provider, count(*) AS attempts, count(*) FILTER (WHERE outcome = 'ACCEPTED') AS accepted,
              count(*) FILTER (WHERE outcome <> 'ACCEPTED') AS failed,
              avg(latency_ms) FILTER (WHERE outcome NOT IN ('BREAKER_OPEN', 'RATE_LIMITED')) AS mean_latency, COALESCE(sum(cost_rupiah), 0) AS cost
         FROM ${this.t.a} WHERE started_at >= $1 GROUP BY provider ORDER BY provider`,
      [since],
    );
    const totals = await this.q<{ failovers: string; cost: string; mean_send: string | null }>(
      this.ds,
      `SELECT count(*) FILTER (WHERE failover) AS failovers, COALESCE(sum(cost_rupiah), 0) AS cost,
              avg(EXTRACT(EPOCH FROM (sent_at - created_at)) * 1000) FILTER (WHERE sent_at IS NOT NULL AND deferred_reason IS NULL) AS mean_send
         FROM ${this.t.d} WHERE created_at >= $1`,
      [since],
    );
    const statusCounts = byStatus.map((r) => ({ status: r.status as DeliveryStatus, count: Number(r.count) }));
    return {
      total: statusCounts.reduce((a, b) => a + b.count, 0),
      byStatus: statusCounts,
      byProvider: byProvider.map((r) => ({
        provider: r.provider, attempts: Number(r.attempts), accepted: Number(r.accepted), failed: Number(r.failed),
        meanLatencyMs: r.mean_latency === null ? 0 : Number(r.mean_latency), costRupiah: Number(r.cost),
      })),
      byType: byType.map((r) => ({ notificationType: r.notification_type, count: Number(r.count), succeeded: Number(r.succeeded) })),
      failovers: Number(totals[0]?.failovers ?? 0),
      costRupiah: Number(totals[0]?.cost ?? 0),
      meanTimeToSendMs: totals[0]?.mean_send ? Number(totals[0].mean_send) : 0,
    };
  }

  /**
   * The send queue at `now` for /metrics, in one statement bounded by `statement_timeout`
   * `timeoutMs` (its transaction's): the claimable rows (QUEUED, DEFERRED, FAILED, through the
   * claim index) due by `now` and how long the oldest has been due, and the waiting
   * rows by status, due now or later, with SENDING (the lease index).
   */
  async queueSnapshot(now: Date, timeoutMs: number): Promise<{
    due: number; oldestDueAgeMs: number; waiting: Partial<Record<'QUEUED' | 'DEFERRED' | 'FAILED' | 'SENDING', number>>; outbox: { pending: number; oldestAgeMs: number };
  }> {
    return this.ds.transaction(async (m) => {
      await this.q(m, `SELECT set_config('statement_timeout', $1, true)`, [String(Math.max(1, Math.round(timeoutMs)))]);
      const rows = await this.q<{ status: 'QUEUED' | 'DEFERRED' | 'FAILED' | 'SENDING'; n: number; due: number; oldest: Date | null }>(
        m,
        `SELECT status, count(*)::int AS n, (count(*) FILTER (WHERE due_at <= $1))::int AS due, min(due_at) FILTER (WHERE due_at <= $1) AS oldest
           FROM ${this.t.d} WHERE status IN ('QUEUED', 'DEFERRED', 'FAILED') GROUP BY status
         UNION ALL
         SELECT 'SENDING', count(*)::int, 0, NULL FROM ${this.t.d} WHERE status = 'SENDING'`,
        [now],
      );
      const oldest = rows.reduce<number | null>((min, r) => (r.oldest ? Math.min(min ?? Infinity, new Date(r.oldest).getTime()) : min), null);
      // The outbox's unpublished events (its pending index): a NATS outage shows as a growing backlog.
      const [ob] = await this.q<{ n: number; oldest: Date | null }>(m, `SELECT count(*)::int AS n, min(created_at) AS oldest FROM ${this.t.o} WHERE published_at IS NULL`);
      return {
        due: rows.reduce((n, r) => n + r.due, 0),
        oldestDueAgeMs: oldest === null ? 0 : Math.max(0, now.getTime() - oldest),
        waiting: Object.fromEntries(rows.map((r) => [r.status, r.n])),
        outbox: { pending: ob?.n ?? 0, oldestAgeMs: ob?.oldest ? Math.max(0, now.getTime() - new Date(ob.oldest).getTime()) : 0 },
      };
    });
  }
}

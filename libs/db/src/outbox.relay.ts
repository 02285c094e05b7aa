import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { extractTraceContext, injectTraceHeaders } from '@notify/telemetry';
import { backoffMs } from './backoff';
import { failureStreak, type FailureStreak, type StreakLogger } from '@notify/logger';
import { PgListener } from './pg-listener';
import { assertSchemaName, outboxChannel, qualifiedTable } from './schema-name';
import { withTimeout } from './timeout';
import { PLANNER_GUARD_SQL } from './planner-guard';
import { byteaParam, sqlExecutor, type SqlExecutor, type SqlQuery, type SqlSource } from './sql-source';

/** What the relay hands to the publisher: `msgID` is the outbox row id (JetStream dedupe key). */
export interface OutboxMessage {
  subject: string;
  data: Uint8Array;
  msgID: string;
  headers?: Record<string, string>;
}

/** The publish acknowledgement: `duplicate` when JetStream already had this msgID in its window. */
export interface OutboxPublishAck {
  duplicate: boolean;
  seq?: number;
}

/**
 * The relay's view of the event bus (structurally `EventBus` from `@notify/messaging`).
 * `publish` resolves once the stream has stored the message and rejects otherwise.
 */
export interface OutboxPublisher {
  publish(message: OutboxMessage): Promise<OutboxPublishAck>;
}

type LogFn = (obj: object, msg?: string) => void;
/** A pino-compatible logger (only these four levels are used). */
export interface OutboxRelayLogger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

/** Options of {@link startOutboxRelay}. Give exactly one of `dataSource` and `pool`. */
export interface OutboxRelayOptions {
  /** The service's DataSource (`createDataSource`); its schema is the default `schema`. */
  dataSource?: DataSource;
  /** Or a pg Pool (then `schema` is required). */
  pool?: Pool;
  /** Schema whose `outbox` table is relayed. */
  schema?: string;
  publisher: OutboxPublisher;
  /** Rows claimed (and held locked) per transaction. Default 100. */
  batchSize?: number;
  /** Fallback poll period in ms when no NOTIFY arrives. Default 5 000 ms. */
  pollIntervalMs?: number;
  /** Poll period in ms while the LISTEN connection is down. Default min(pollIntervalMs, 1 000). */
  degradedPollIntervalMs?: number;
  /** LISTEN on `<schema>_outbox` for immediate wake-ups (default true; false = poll only). */
  listen?: boolean;
  /** A publish not acknowledged within this many ms counts as failed (ambiguous). Default 10 000 ms. */
  publishTimeoutMs?: number;
  /** Per-row retry delay after a failed publish: initial and cap in ms. Default 1 000 / 60 000 ms. */
  retry?: { initialMs?: number; maxMs?: number };
  /** Relay-wide pause after a failed batch or database error: initial and cap in ms. Default 200 / 30 000 ms. */
  errorBackoff?: { initialMs?: number; maxMs?: number };
  /**
   * How long published rows stay in the outbox, ms. `0`: a row is deleted in the transaction
   * that saw it published (one write per event instead of a mark and a later delete; the stream
   * is the record of what was published). `> 0`: rows are marked `published_at` and the relay
   * deletes those published longer ago than this, at most once per `purgeIntervalMs`.
   * Unset: marked and kept (call {@link OutboxRelay.purgePublished} yourself).
   */
  retentionMs?: number;
  /** How often the relay purges rows past `retentionMs`, ms. Default 60 000 ms. */
  purgeIntervalMs?: number;
  logger?: OutboxRelayLogger;
  /** Tracer for the publish spans (default: the global tracer `@notify/db`). */
  tracer?: Tracer;
}

/** Counters since start (for metrics and tests). */
export interface OutboxRelayStats {
  /** Rows published and marked (including duplicates). */
  published: number;
  /** Publishes JetStream acknowledged as duplicates (the msgID was already in its window). */
  duplicates: number;
  /** Failed publish attempts. */
  failures: number;
  /** Whether the LISTEN connection is currently up. */
  listening: boolean;
}

/** A running relay. */
export interface OutboxRelay {
  /** Stops after the batch in flight (which stops publishing early and commits what it published). */
  stop(): Promise<void>;
  /**
   * Publishes every row that is due now (not rows held by another relay, nor rows waiting for
   * their retry time), then resolves. Rejects with the publish error if a publish fails.
   */
  drain(): Promise<void>;
  /** Deletes rows published more than `olderThanMs` ms ago; returns how many. */
  purgePublished(olderThanMs: number): Promise<number>;
  /**
   * Rows a writer of this process has just committed to the outbox (as written: id, subject,
   * payload and stored headers), published at once without a claim: one pipelined publish per
   * row, then ONE statement marks the published ones (deletes them with retentionMs 0). Writers
   * that hand their rows over leave out the NOTIFY (this relay is theirs). A row whose publish
   * fails stays unpublished and the relay's own loop is woken to retry it with its backoff; a
   * failed mark leaves the rows for the loop too (JetStream drops the second publish as a
   * duplicate: msgID = row id). Rows handed over after stop(), or while 4 batches of rows wait
   * already (writers outpacing the publishes), are left in the table to the relay's loop.
   */
  handoff(events: readonly HandedOffEvent[]): void;
  /**
   * The transport is back (a bus that was not connected now is): the rows waiting for their
   * retry time are due now, and the relay stops backing off and publishes them at once instead of
   * at its next retry (up to 60 s away). Resolves when the rows are marked due.
   */
  retryNow(): Promise<void>;
  stats(): OutboxRelayStats;
}

/** An outbox row as its writer committed it (see {@link OutboxRelay.handoff}). */
export interface HandedOffEvent {
  readonly id: string;
  readonly subject: string;
  readonly data: Uint8Array;
  /** The headers stored with the row (the writer's trace context). */
  readonly headers?: Record<string, string>;
}

/**
 * Handed-over rows held in memory at most, in batches: beyond `batchSize` × this, rows are left to
 * the relay's loop (they are in the table), so a writer faster than the publishes cannot grow the
 * queue without bound (a 100,000-recipient Broadcast).
 */
const HANDOFF_QUEUE_BATCHES = 4;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `'{…}'::uuid[]` of `ids`, each checked to be a UUID (they come from the outbox's uuid column). */
function uuidArrayLiteral(ids: readonly string[]): string {
  for (const id of ids) if (!UUID.test(id)) throw new TypeError(`not a UUID: ${JSON.stringify(id)}`);
  return `'{${ids.join(',')}}'::uuid[]`;
}

interface OutboxRow {
  id: string;
  subject: string;
  payload: Buffer;
  headers: Record<string, string> | null;
  attempts: number;
}

/** A claimed row with its retry state: `due` = next_attempt_at has come; `due_in_ms` = how long until it does. */
interface ClaimedRow extends OutboxRow {
  due: boolean;
  due_in_ms: number;
}

/**
 * Publish failures no retry can cure: the payload is larger than the server or the stream takes
 * (nats-core "max_payload size exceeded"; JetStream "message size exceeds maximum allowed").
 * Such a row is set aside (published_at set, last_error "not publishable: …", logged as an
 * error) instead of blocking the rows behind it forever.
 */
const UNPUBLISHABLE = /max_payload|maximum payload|message size exceeds/i;

interface BatchResult {
  claimed: number;
  error?: unknown;
  /** ms until the earliest row waiting for a retry becomes due (when the batch was not full). */
  nextDueMs?: number;
}

const noopLog: LogFn = () => undefined;
const noopLogger: OutboxRelayLogger = { debug: noopLog, info: noopLog, warn: noopLog, error: noopLog };

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}


/**
 * Deletes outbox rows of `schema` published more than `olderThanMs` milliseconds ago, in
 * chunks of 10 000 rows (short transactions). Returns the number of rows deleted.
 */
export async function purgePublished(source: SqlSource, schema: string, olderThanMs: number): Promise<number> {
  const db = sqlExecutor(source);
  const outbox = qualifiedTable(schema, 'outbox');
  let total = 0;
  for (;;) {
    const { rowCount } = await db.query(
      `DELETE FROM ${outbox} WHERE id IN (
         SELECT id FROM ${outbox}
          WHERE published_at IS NOT NULL AND published_at < now() - $1 * interval '1 millisecond'
          LIMIT 10000)`,
      [olderThanMs],
    );
    total += rowCount;
    if (rowCount < 10000) return total;
  }
}

class Relay implements OutboxRelay {
  private readonly db: SqlExecutor;
  private readonly schema: string;
  private readonly outbox: string;
  private readonly channel: string;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly degradedPollIntervalMs: number;
  private readonly publishTimeoutMs: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly errorInitialMs: number;
  private readonly errorMaxMs: number;
  private readonly log: OutboxRelayLogger;
  private readonly tracer: Tracer;
  private readonly counters = { published: 0, duplicates: 0, failures: 0 };
  private readonly retentionMs: number | undefined;
  private readonly purgeIntervalMs: number;
  private purgedAt = 0;
  /**
   * True from a failed publish until the loop has published everything due again: meanwhile
   * handed-off rows are left to the loop, so they cannot overtake the failed (earlier) row.
   */
  private handoffSuspended = false;

  private stopped = false;
  private wakeRequested = false;
  private wakeSleeper: (() => void) | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  /** Ends the current sleep, whatever kind (retryNow). */
  private endSleep: (() => void) | undefined;
  private serial: Promise<unknown> = Promise.resolve();
  private loopDone: Promise<void> = Promise.resolve();
  private errorStreak = 0;
  /** Database errors of the loop, logged as one outage (@notify/logger failureStreak). */
  private readonly dbFailures: FailureStreak;

  private readonly handedOff: OutboxRow[] = [];
  private handoffRun: Promise<void> | undefined;

  /** The LISTEN connection on `<schema>_outbox` (undefined with `listen: false`). */
  private readonly listener: PgListener | undefined;

  constructor(private readonly options: OutboxRelayOptions) {
    const source: SqlSource | undefined = options.dataSource ?? options.pool;
    if (!source || (options.dataSource && options.pool)) {
      throw new TypeError('startOutboxRelay needs exactly one of dataSource and pool');
    }
    this.db = sqlExecutor(source);
    const schema = options.schema ?? this.db.defaultSchema();
    if (!schema) throw new TypeError('startOutboxRelay needs a schema when given a pg Pool');
    this.schema = assertSchemaName(schema);
    this.outbox = qualifiedTable(this.schema, 'outbox');
    this.channel = outboxChannel(this.schema);
    this.batchSize = options.batchSize ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 5_000;
    this.degradedPollIntervalMs = options.degradedPollIntervalMs ?? Math.min(this.pollIntervalMs, 1_000);
    this.publishTimeoutMs = options.publishTimeoutMs ?? 10_000;
    this.retryInitialMs = options.retry?.initialMs ?? 1_000;
    this.retryMaxMs = options.retry?.maxMs ?? 60_000;
    this.errorInitialMs = options.errorBackoff?.initialMs ?? 200;
    this.errorMaxMs = options.errorBackoff?.maxMs ?? 30_000;
    this.log = options.logger ?? noopLogger;
    this.dbFailures = failureStreak(this.log as StreakLogger, 'outbox relay');
    this.tracer = options.tracer ?? trace.getTracer('@notify/db');
    if (!(this.batchSize >= 1) || !Number.isInteger(this.batchSize)) throw new TypeError('batchSize must be an integer >= 1');
    this.retentionMs = options.retentionMs;
    if (this.retentionMs !== undefined && !(this.retentionMs >= 0)) throw new TypeError('retentionMs must be >= 0');
    this.purgeIntervalMs = options.purgeIntervalMs ?? 60_000;
    if (options.listen !== false) {
      this.listener = new PgListener({
        client: { ...this.db.clientConfig(), keepAlive: true },
        channel: this.channel,
        onNotification: () => this.wake(),
        onConnected: () => this.wake(), // catch up with rows committed while nobody listened
        logger: this.log,
        what: 'outbox relay',
        logFields: { schema: this.schema },
      });
    }
  }

  async start(): Promise<void> {
    if (this.listener) {
      try {
        await this.listener.start();
      } catch (err) {
        this.listener.retryInBackground(err); // polling (degradedPollIntervalMs) until it is back
      }
    }
    this.loopDone = this.loop();
    this.log.info({ schema: this.schema, listening: this.listening() }, 'outbox relay started');
  }

  async retryNow(): Promise<void> {
    if (this.stopped) return;
    await this.runSerially(() => this.db.query(`UPDATE ${this.outbox} SET next_attempt_at = now() WHERE published_at IS NULL AND next_attempt_at > now()`));
    this.errorStreak = 0;
    this.wakeRequested = true;
    // Also a backing-off relay (a NOTIFY does not end that sleep; this does).
    this.endSleep?.();
  }

  stats(): OutboxRelayStats {
    return { ...this.counters, listening: this.listening() };
  }

  private listening(): boolean {
    return this.listener?.listening ?? false;
  }

  async stop(): Promise<void> {
    if (this.stopped) return this.loopDone;
    this.stopped = true;
    const listenerClosed = this.listener?.close(); // no reconnect from here on
    this.wake();
    await this.loopDone;
    await this.handoffRun;
    await listenerClosed;
    this.log.info({ schema: this.schema, ...this.counters }, 'outbox relay stopped');
  }

  async drain(): Promise<void> {
    for (;;) {
      const result = await this.runSerially(() => this.batch(true));
      if (result.error) throw result.error;
      if (result.claimed < this.batchSize) return;
    }
  }

  purgePublished(olderThanMs: number): Promise<number> {
    return purgePublished(this.options.dataSource ?? this.options.pool!, this.schema, olderThanMs);
  }

  handoff(events: readonly HandedOffEvent[]): void {
    if (this.stopped || events.length === 0) return;
    if (this.handoffSuspended) {
      // An earlier row failed and waits for its retry: these go behind it, through the loop.
      this.wake();
      return;
    }
    if (this.handedOff.length + events.length > this.batchSize * HANDOFF_QUEUE_BATCHES) {
      // Writers outpace the publishes: these rows wait in the table for the loop (memory stays bounded).
      this.wake();
      return;
    }
    for (const e of events) {
      this.handedOff.push({ id: e.id, subject: e.subject, payload: byteaParam(e.data), headers: e.headers ?? null, attempts: 0 });
    }
    this.handoffRun ??= this.publishHandedOff().finally(() => (this.handoffRun = undefined));
  }

  /** Publishes the handed-over rows, up to batchSize at a time, until none wait (see handoff). */
  private async publishHandedOff(): Promise<void> {
    while (this.handedOff.length > 0 && !this.stopped) {
      const rows = this.handedOff.splice(0, this.batchSize);
      const outcomes = await Promise.allSettled(rows.map((row) => this.publishRow(row)));
      const published: string[] = [];
      outcomes.forEach((outcome, i) => {
        if (outcome.status === 'fulfilled') {
          published.push(rows[i]!.id);
          this.counters.published++;
          if (outcome.value.duplicate) this.counters.duplicates++;
        } else {
          this.counters.failures++;
          this.handoffSuspended = true;
          this.log.warn({ err: outcome.reason, schema: this.schema, eventId: rows[i]!.id, subject: rows[i]!.subject }, 'outbox relay: publish of a handed-over row failed; the relay retries it');
        }
      });
      if (published.length > 0) {
        try {
          await this.db.query(this.markPublishedSql('$1::uuid[]'), [published]);
        } catch (err) {
          this.log.warn({ err, schema: this.schema, count: published.length }, 'outbox relay: marking handed-over rows failed; the relay publishes them again (duplicates)');
          this.wake();
        }
      }
      if (published.length < rows.length) this.wake();
    }
    if (this.stopped && this.handedOff.length > 0) this.handedOff.length = 0; // left in the table for the next relay
  }

  /**
   * The statement that marks the published rows `ids` (an SQL uuid[] expression: a parameter or a
   * validated literal): DELETE with retentionMs 0, else `published_at` set (rows another relay
   * marked already are left as they are).
   */
  private markPublishedSql(ids: string): string {
    return this.retentionMs === 0
      ? `DELETE FROM ${this.outbox} WHERE id = ANY(${ids})`
      : `UPDATE ${this.outbox} SET published_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = ANY(${ids}) AND published_at IS NULL`;
  }

  // --- the loop ---------------------------------------------------------------------------

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let waitMs: number;
      let wakeable = true;
      try {
        const result = await this.runSerially(() => this.batch(false));
        this.dbFailures.success({ schema: this.schema });
        await this.purgeIfDue();
        if (result.error) {
          this.errorStreak++;
          waitMs = backoffMs(this.errorStreak, this.errorInitialMs, this.errorMaxMs);
          wakeable = false; // new events must not turn a backoff into a busy loop
        } else {
          this.errorStreak = 0;
          if (result.claimed >= this.batchSize) continue; // more rows are waiting
          const degraded = this.listener !== undefined && !this.listener.listening;
          const poll = degraded ? this.degradedPollIntervalMs : this.pollIntervalMs;
          waitMs = Math.min(poll, result.nextDueMs ?? Infinity);
        }
      } catch (err) {
        this.errorStreak++;
        waitMs = backoffMs(this.errorStreak, this.errorInitialMs, this.errorMaxMs);
        wakeable = false;
        this.dbFailures.failure('error', { err, schema: this.schema, retryInMs: waitMs }, 'outbox relay: database error');
      }
      await this.sleep(waitMs, wakeable);
    }
  }

  /** Deletes rows published more than `retentionMs` ago, at most once per purgeIntervalMs (retentionMs > 0 only). */
  private async purgeIfDue(): Promise<void> {
    if (!this.retentionMs || Date.now() - this.purgedAt < this.purgeIntervalMs) return;
    this.purgedAt = Date.now();
    try {
      const n = await this.runSerially(() => this.purgePublished(this.retentionMs!));
      if (n > 0) this.log.debug({ schema: this.schema, count: n }, 'outbox relay: purged published rows');
    } catch (err) {
      this.log.warn({ err, schema: this.schema }, 'outbox relay: purge failed; retried at the next interval');
    }
  }

  private runSerially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.serial.then(fn);
    this.serial = run.catch(() => undefined);
    return run;
  }

  private sleep(ms: number, wakeable: boolean): Promise<void> {
    if (this.stopped || (wakeable && this.wakeRequested)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(this.sleepTimer);
        this.wakeSleeper = undefined;
        this.endSleep = undefined;
        resolve();
      };
      this.sleepTimer = setTimeout(done, Math.max(0, ms));
      // stop() always wakes; a NOTIFY only wakes an idle (not a backing-off) relay; retryNow() any
      this.wakeSleeper = wakeable ? done : () => (this.stopped ? done() : undefined);
      this.endSleep = done;
    });
  }

  private wake(): void {
    this.wakeRequested = true;
    this.wakeSleeper?.();
  }

  /**
   * Claims the oldest unpublished rows (up to batchSize, `created_at, position` order) and
   * publishes the leading run of those that are due (pipelined, in order), marks the ones the
   * stream acknowledged, commits. Head of line: a row waiting for its retry (after a failed
   * publish) holds back the rows behind it, so events reach the stream in commit order (for
   * one relay; a ticket's `created` before its `assigned`) instead of later rows overtaking it;
   * the relay sleeps until that row is due. A failed publish leaves its row unpublished with its
   * attempt and retry time recorded; rows after it in the same pipelined batch that the stream
   * already stored stay stored (each still exactly once: msgID = row id). A row no retry can
   * cure (UNPUBLISHABLE) is set aside so it does not block the rest.
   *
   * Round trips: BEGIN goes with the claiming SELECT and COMMIT with the marking DELETE / UPDATE
   * (SqlExecutor.batchedTransaction; the batch size and the acknowledged ids, UUIDs read from the
   * table, are inlined as literals), so a batch costs two round trips plus the publishes, not
   * four; a failure record adds its own.
   */
  private batch(forDrain: boolean): Promise<BatchResult> {
    this.wakeRequested = false;
    // The planner guard first (planner-guard.ts): a plain index scan of outbox_pending_idx, which
    // skips the entries of rows already published and deleted instead of revisiting them.
    const claim = `${PLANNER_GUARD_SQL};
          SELECT id, subject, payload, headers, attempts, next_attempt_at <= now() AS due,
                 greatest(0, ceil(extract(epoch FROM next_attempt_at - now()) * 1000))::int AS due_in_ms
          FROM ${this.outbox}
          WHERE published_at IS NULL
          ORDER BY created_at, position
          LIMIT ${this.batchSize}
          FOR UPDATE SKIP LOCKED`;
    return this.db.batchedTransaction<ClaimedRow, BatchResult>(claim, async (claimed, query) => {
      const blockedAt = claimed.findIndex((r) => !r.due);
      const rows = blockedAt < 0 ? claimed : claimed.slice(0, blockedAt);
      // Pipelined: every row's publish is sent before the first acknowledgement is awaited, in
      // row order on the one connection, so JetStream stores them in that order and the client
      // writes them to the socket together (one ack round trip per batch instead of one per row).
      const rowsToPublish = this.stopped && !forDrain ? [] : rows;
      const outcomes = await Promise.allSettled(rowsToPublish.map((row) => this.publishRow(row)));
      const published: string[] = [];
      let error: unknown;
      for (let i = 0; i < outcomes.length; i++) {
        const outcome = outcomes[i]!;
        if (outcome.status === 'fulfilled') {
          // Stored, so marked, even after a failed row: re-publishing it would only be a duplicate.
          published.push(rowsToPublish[i]!.id);
          this.counters.published++;
          if (outcome.value.duplicate) this.counters.duplicates++;
        } else if (UNPUBLISHABLE.test(errorMessage(outcome.reason))) {
          await this.setAside(query, rowsToPublish[i]!, outcome.reason);
        } else if (error === undefined) {
          // The first failure is recorded (its retry time backs off) and holds back the rows
          // behind it; later failed rows stay due and go again after it.
          error = outcome.reason;
          await this.recordFailure(query, rowsToPublish[i]!, outcome.reason);
        }
      }
      if (error !== undefined) this.handoffSuspended = true;
      else if (blockedAt < 0 && claimed.length < this.batchSize) this.handoffSuspended = false; // caught up
      const nextDueMs = error === undefined && blockedAt >= 0 ? claimed[blockedAt]!.due_in_ms : undefined;
      if (published.length > 0) this.log.debug({ schema: this.schema, count: published.length }, 'outbox relay: published');
      const value: BatchResult = { claimed: rows.length, error, nextDueMs };
      if (published.length === 0) return { value };
      const ids = uuidArrayLiteral(published);
      return {
        value,
        close: this.markPublishedSql(ids),
      };
    });
  }

  /** Sets aside a row no retry can publish (UNPUBLISHABLE): marked published with the reason, logged as an error. */
  private async setAside(query: SqlQuery, row: OutboxRow, err: unknown): Promise<void> {
    this.counters.failures++;
    this.log.error({ err, schema: this.schema, eventId: row.id, subject: row.subject }, 'outbox relay: event cannot be published (too large); set aside');
    await query(
      `UPDATE ${this.outbox} SET published_at = now(), attempts = attempts + 1, last_error = $2 WHERE id = $1`,
      [row.id, `not publishable: ${errorMessage(err)}`.slice(0, 2000)],
    );
  }

  private async recordFailure(query: SqlQuery, row: OutboxRow, err: unknown): Promise<void> {
    this.counters.failures++;
    const attempt = row.attempts + 1;
    const delayMs = backoffMs(attempt, this.retryInitialMs, this.retryMaxMs);
    this.log.warn(
      { err, schema: this.schema, eventId: row.id, subject: row.subject, attempt, retryInMs: delayMs },
      'outbox relay: publish failed',
    );
    await query(
      `UPDATE ${this.outbox}
          SET attempts = attempts + 1, last_error = $2, next_attempt_at = now() + $3 * interval '1 millisecond'
        WHERE id = $1`,
      [row.id, errorMessage(err).slice(0, 2000), delayMs],
    );
  }

  /** Publishes one row in a span that continues the trace stored in the row's headers. */
  private publishRow(row: OutboxRow): Promise<OutboxPublishAck> {
    const stored = row.headers ?? {};
    const parent = extractTraceContext(stored, ROOT_CONTEXT);
    return this.tracer.startActiveSpan(
      `outbox relay ${row.subject}`,
      {
        // INTERNAL: the event bus's publish opens the PRODUCER span, as a child of this one
        kind: SpanKind.INTERNAL,
        attributes: {
          'messaging.system': 'nats',
          'messaging.operation.name': 'publish',
          'messaging.destination.name': row.subject,
          'messaging.message.id': row.id,
          'notify.outbox.schema': this.schema,
          'notify.outbox.attempt': row.attempts + 1,
        },
      },
      parent,
      async (span) => {
        try {
          // explicit context: correct even where no context manager is registered
          const headers = { ...stored, ...injectTraceHeaders(trace.setSpan(parent, span)) };
          const ack = await withTimeout(
            this.options.publisher.publish({ subject: row.subject, data: row.payload, msgID: row.id, headers }),
            this.publishTimeoutMs,
            () => new Error(`publish of ${row.subject} (${row.id}) not acknowledged within ${this.publishTimeoutMs} ms`),
          );
          span.setAttribute('notify.outbox.duplicate', ack.duplicate);
          return ack;
        } catch (err) {
          span.recordException(err instanceof Error ? err : new Error(String(err)));
          span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(err) });
          throw err;
        } finally {
          span.end();
        }
      },
    );
  }
}

/**
 * Starts the outbox relay of one service schema: claims due unpublished rows of
 * `<schema>.outbox` in `created_at` order with `SELECT … FOR UPDATE SKIP LOCKED` inside a
 * transaction, publishes each with `msgID` = row id and the stored headers (in an INTERNAL span
 * `outbox relay <subject>` that is a child of the stored `traceparent`; the headers handed to
 * the publisher carry that span's `traceparent`, so the bus's PRODUCER span nests under it),
 * marks them `published_at` in the same transaction and commits.
 *
 * - Wake-up: LISTEN `<schema>_outbox` on a dedicated pg connection (a {@link PgListener}:
 *   reconnected with backoff 0.5 s → 30 s, the relay woken after every (re)connect to catch up),
 *   so a committed event is published within milliseconds; `pollIntervalMs` is the fallback.
 * - Exactly-once into the stream: several relays on one schema never hold the same row
 *   (SKIP LOCKED); a crash after publish and before commit re-publishes the row with the same
 *   msgID, which JetStream drops as a duplicate within the stream's `duplicate_window`.
 * - Failures: a failed or unacknowledged publish leaves the row unpublished, increments
 *   `attempts`, stores `last_error` and delays the row (`retry`, exponential with jitter); the
 *   relay backs off (`errorBackoff`), and until the row is published the rows committed after it
 *   wait behind it (head of line, handoffs included), so one relay publishes in commit order
 *   also across failures. Not ordered: rows a pipelined batch had already sent when an earlier
 *   one in it failed, and rows of different relays (replicas) racing; consumers must tolerate
 *   those rare cases. A row too large to publish ever is set aside (published_at set,
 *   last_error "not publishable: …", logged as an error) rather than blocking the others.
 *
 * Resolves once the LISTEN connection is up (or failed, then retried in the background).
 * Throws `TypeError` for invalid options.
 */
export async function startOutboxRelay(options: OutboxRelayOptions): Promise<OutboxRelay> {
  const relay = new Relay(options);
  await relay.start();
  return relay;
}

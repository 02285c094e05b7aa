import type { DataSource, EntityManager } from 'typeorm';
import { appendToOutbox, dataSourceSchema, qualifiedTable } from '@notify/db';
import type { CampaignCursor, CampaignStore, ScheduleEvent } from '../../application';
import type { Campaign, CampaignActor, CampaignAudience, CampaignKind, CampaignStatus } from '../../domain';
import { encodeScheduleEvent } from '../messaging/schedule-event.mapper';

/** A SQL executor in the shape pg-boss's `db` option takes (runs inside the caller's transaction). */
export interface SqlExecutorDb {
  executeSql(text: string, values: unknown[]): Promise<{ rows: unknown[] }>;
}

/** Enqueues a campaign's due job (the pg-boss engine) through the caller's transaction. */
export interface CampaignDueQueue {
  enqueueCampaignDue(campaignId: string, sendAt: Date, db: SqlExecutorDb): Promise<void>;
}

interface CampaignRow {
  id: string;
  name: string;
  kind: string;
  notification_type: string;
  template_key: string;
  audience: CampaignAudience[];
  variables: Record<string, unknown>;
  send_at: Date;
  priority: string;
  channels: string[];
  status: string;
  created_by: CampaignActor | null;
  created_at: Date;
  sent_at: Date | null;
  cancelled_at: Date | null;
  cancel_reason: string;
  request_id: string | null;
  failed_at: Date | null;
  failure_reason: string;
}

/** The columns create() writes, in its parameter order. */
const INSERT_COLUMNS =
  'id, name, kind, notification_type, template_key, audience, variables, send_at, priority, channels, status, created_by, created_at, sent_at, cancelled_at, cancel_reason, request_id';
/** Every column a campaign is read from (failed_at / failure_reason: migration AddCampaignFailure1795600002000). */
const COLUMNS = `${INSERT_COLUMNS}, failed_at, failure_reason`;

const toCampaign = (r: CampaignRow): Campaign => ({
  id: r.id,
  name: r.name,
  kind: r.kind as CampaignKind,
  notificationType: r.notification_type,
  templateKey: r.template_key,
  audience: r.audience,
  variables: r.variables,
  sendAt: r.send_at,
  priority: r.priority,
  channels: r.channels,
  status: r.status as CampaignStatus,
  createdBy: r.created_by,
  createdAt: r.created_at,
  sentAt: r.sent_at,
  cancelledAt: r.cancelled_at,
  cancelReason: r.cancel_reason,
  requestId: r.request_id ?? '',
  failedAt: r.failed_at,
  failureReason: r.failure_reason,
});

/**
 * CampaignStore on Postgres (`<schema>.campaigns`, migration CreateJobFactsAndCampaigns1795600001000).
 * create(): the row and the pg-boss due job (start after send_at, job id = campaign id) in one
 * transaction (pg-boss `send` with `db` = this transaction). markSent(): conditional
 * `UPDATE … WHERE status = 'SCHEDULED'` and the CampaignDueEvent outbox row in one transaction;
 * markFailed() and cancel(): the same conditional update, nothing published.
 */
export class PostgresCampaignStore implements CampaignStore {
  private readonly schema: string;
  private readonly table: string;

  constructor(
    private readonly ds: DataSource,
    private readonly queue: CampaignDueQueue,
    private readonly namespace?: string,
  ) {
    this.schema = dataSourceSchema(ds);
    this.table = qualifiedTable(this.schema, 'campaigns');
  }

  async create(campaign: Campaign): Promise<{ readonly campaign: Campaign; readonly created: boolean }> {
    const outcome = await this.ds.transaction(async (manager) => {
      const rows: CampaignRow[] = await manager.query(
        `INSERT INTO ${this.table} (${INSERT_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6::jsonb,$7::jsonb,$8,$9,$10::jsonb,$11,$12::jsonb,$13,$14,$15,$16,$17)
         ON CONFLICT (request_id) WHERE request_id IS NOT NULL DO NOTHING RETURNING ${COLUMNS}`,
        [
          campaign.id,
          campaign.name,
          campaign.kind,
          campaign.notificationType,
          campaign.templateKey,
          JSON.stringify(campaign.audience),
          JSON.stringify(campaign.variables),
          campaign.sendAt,
          campaign.priority,
          JSON.stringify(campaign.channels),
          campaign.status,
          campaign.createdBy ? JSON.stringify(campaign.createdBy) : null,
          campaign.createdAt,
          campaign.sentAt,
          campaign.cancelledAt,
          campaign.cancelReason,
          campaign.requestId === '' ? null : campaign.requestId,
        ],
      );
      const row = rows[0];
      if (!row) return null;
      await this.queue.enqueueCampaignDue(campaign.id, campaign.sendAt, transactionDb(manager));
      return toCampaign(row);
    });
    if (outcome) return { campaign: outcome, created: true };
    const existing = await this.findByRequestId(campaign.requestId);
    if (!existing) throw new Error(`campaign request_id ${campaign.requestId} conflicted but cannot be read`);
    return { campaign: existing, created: false };
  }

  async get(id: string): Promise<Campaign | null> {
    const rows: CampaignRow[] = await this.ds.query(`SELECT ${COLUMNS} FROM ${this.table} WHERE id = $1`, [id]);
    return rows[0] ? toCampaign(rows[0]) : null;
  }

  async findByRequestId(requestId: string): Promise<Campaign | null> {
    const rows: CampaignRow[] = await this.ds.query(`SELECT ${COLUMNS} FROM ${this.table} WHERE request_id = $1`, [requestId]);
    return rows[0] ? toCampaign(rows[0]) : null;
  }

  async cancel(id: string, at: Date, reason: string): Promise<Campaign | null> {
    const result: [CampaignRow[], number] = await this.ds.query(
      `UPDATE ${this.table} SET status = 'CANCELLED', cancelled_at = $2, cancel_reason = $3 WHERE id = $1 AND status = 'SCHEDULED' RETURNING ${COLUMNS}`,
      [id, at, reason],
    );
    const row = result[0][0];
    return row ? toCampaign(row) : null;
  }

  async markSent(id: string, at: Date, event: (sent: Campaign) => ScheduleEvent): Promise<Campaign | null> {
    return this.ds.transaction(async (manager) => {
      const result: [CampaignRow[], number] = await manager.query(
        `UPDATE ${this.table} SET status = 'SENT', sent_at = $2 WHERE id = $1 AND status = 'SCHEDULED' RETURNING ${COLUMNS}`,
        [id, at],
      );
      const row = result[0][0];
      if (!row) return null;
      const sent = toCampaign(row);
      const encoded = encodeScheduleEvent(event(sent), this.namespace);
      await appendToOutbox(manager, { id: encoded.msgID, subject: encoded.subject, data: encoded.data }, { schema: this.schema });
      return sent;
    });
  }

  async markFailed(id: string, at: Date, reason: string): Promise<Campaign | null> {
    const result: [CampaignRow[], number] = await this.ds.query(
      `UPDATE ${this.table} SET status = 'FAILED', failed_at = $2, failure_reason = $3 WHERE id = $1 AND status = 'SCHEDULED' RETURNING ${COLUMNS}`,
      [id, at, reason],
    );
    const row = result[0][0];
    return row ? toCampaign(row) : null;
  }

  async list(filter: { readonly statuses: readonly CampaignStatus[]; readonly limit: number; readonly after?: CampaignCursor }): Promise<Campaign[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown): string => (params.push(v), `$${params.length}`);
    if (filter.statuses.length > 0) where.push(`status = ANY(${p([...filter.statuses])}::text[])`);
    if (filter.after) where.push(`(send_at, id) < (${p(filter.after.sendAt)}, ${p(filter.after.id)}::uuid)`);
    const rows: CampaignRow[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM ${this.table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY send_at DESC, id DESC LIMIT ${p(filter.limit)}`,
      params,
    );
    return rows.map(toCampaign);
  }
}

/** pg-boss's `db` option over a TypeORM transaction's EntityManager. */
export function transactionDb(manager: EntityManager): SqlExecutorDb {
  return {
    executeSql: async (text, values) => {
      if (!manager.queryRunner) throw new TypeError('pg-boss send needs the EntityManager of an open transaction');
      const result = await manager.queryRunner.query(text, values, true);
      return { rows: (result.records ?? []) as unknown[] };
    },
  };
}

import { ConflictError } from '@notify/errors';
import type { CreateRequestLog, IdempotentRpc, RecordedCreateRequest } from '../../../application';
import { query, t, type SqlContext } from '../sql.util';

/**
 * CreateRequestLog on `<schema>.create_requests` (migration 1795400600000; use with a unit of
 * work's transaction): the ticket service's PgCreateRequestLog, keyed by (rpc, request_id).
 */
export class PgCreateRequestLog implements CreateRequestLog {
  constructor(private readonly ctx: SqlContext) {}

  async claim(rpc: IdempotentRpc, requestId: string, entityId: string, fingerprint: string): Promise<RecordedCreateRequest | null> {
    const inserted = await query(
      this.ctx,
      `INSERT INTO ${t(this.ctx, 'create_requests')} (rpc, request_id, entity_id, fingerprint) VALUES ($1, $2, $3, $4)
       ON CONFLICT (rpc, request_id) DO NOTHING RETURNING request_id`,
      [rpc, requestId, entityId, fingerprint],
    );
    if (inserted.length === 1) return null;
    const [prior] = await query(this.ctx, `SELECT entity_id, fingerprint FROM ${t(this.ctx, 'create_requests')} WHERE rpc = $1 AND request_id = $2`, [rpc, requestId]);
    if (!prior) throw new ConflictError(`request_id ${requestId} is being used concurrently`);
    return { entityId: prior.entity_id as string, fingerprint: prior.fingerprint as string };
  }
}

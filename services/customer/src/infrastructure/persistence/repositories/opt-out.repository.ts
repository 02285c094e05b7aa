import type { Channel, OptOut } from '../../../domain';
import type { OptOutRepository } from '../../../application';
import { query, t, type SqlContext } from '../sql.util';

/** Opt-outs in `<schema>.opt_outs`, one row per (phone, channel). */
export class PgOptOutRepository implements OptOutRepository {
  constructor(private readonly ctx: SqlContext) {}

  async addIfAbsent(o: OptOut): Promise<OptOut> {
    const table = t(this.ctx, 'opt_outs');
    const inserted = await query(
      this.ctx,
      `INSERT INTO ${table} (phone, channel, reason, at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (phone, channel) DO NOTHING RETURNING phone, channel, reason, at`,
      [o.phone, o.channel, o.reason, o.at],
    );
    // A conflict inserts nothing: the existing row (committed before the INSERT ran) is the answer.
    const rows = inserted.length
      ? inserted
      : await query(this.ctx, `SELECT phone, channel, reason, at FROM ${table} WHERE phone = $1 AND channel = $2`, [o.phone, o.channel]);
    return rows.length ? toOptOut(rows[0]!) : o;
  }

  async remove(phone: string, channels: readonly Channel[]): Promise<number> {
    if (!channels.length) return 0;
    // Counted in a SELECT: TypeORM answers a bare DELETE … RETURNING with [rows, affected].
    const rows = await query(
      this.ctx,
      `WITH gone AS (DELETE FROM ${t(this.ctx, 'opt_outs')} WHERE phone = $1 AND channel = ANY($2) RETURNING 1) SELECT count(*)::int AS n FROM gone`,
      [phone, [...channels]],
    );
    return Number(rows[0]?.['n'] ?? 0);
  }

  async findByPhones(phones: readonly string[]): Promise<OptOut[]> {
    if (!phones.length) return [];
    const rows = await query(this.ctx, `SELECT phone, channel, reason, at FROM ${t(this.ctx, 'opt_outs')} WHERE phone = ANY($1)`, [[...phones]]);
    return rows.map(toOptOut);
  }
}

function toOptOut(r: Record<string, unknown>): OptOut {
  return { phone: r.phone as string, channel: r.channel as Channel, reason: (r.reason as string | null) ?? null, at: r.at as Date };
}

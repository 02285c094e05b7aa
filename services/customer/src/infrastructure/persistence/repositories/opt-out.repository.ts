import type { Channel, OptOut } from '../../../domain';
import type { OptOutRepository } from '../../../application';
import { query, t, type SqlContext } from '../sql.util';

/** Opt-outs in `<schema>.opt_outs`, one row per (phone, channel). */
export class PgOptOutRepository implements OptOutRepository {
  constructor(private readonly ctx: SqlContext) {}

  async upsert(o: OptOut): Promise<void> {
    await query(
      this.ctx,
      `INSERT INTO ${t(this.ctx, 'opt_outs')} (phone, channel, reason, at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (phone, channel) DO UPDATE SET reason = EXCLUDED.reason, at = EXCLUDED.at`,
      [o.phone, o.channel, o.reason, o.at],
    );
  }

  async findByPhones(phones: readonly string[]): Promise<OptOut[]> {
    if (!phones.length) return [];
    const rows = await query(this.ctx, `SELECT phone, channel, reason, at FROM ${t(this.ctx, 'opt_outs')} WHERE phone = ANY($1)`, [[...phones]]);
    return rows.map((r) => ({ phone: r.phone as string, channel: r.channel as Channel, reason: (r.reason as string | null) ?? null, at: r.at as Date }));
  }
}

import type { Audience, Channel, RoutingRule } from '../../../domain';
import type { RoutingRuleRepository } from '../../../application';
import { query, t, type Row, type SqlContext } from '../sql.util';

const COLUMNS = 'id, notification_type, ticket_type, escalation_level, audience, channels, template_key, enabled, source';

function toRule(r: Row): RoutingRule {
  return {
    id: r.id as string,
    notificationType: r.notification_type as string,
    ticketType: (r.ticket_type as RoutingRule['ticketType']) ?? null,
    escalationLevel: (r.escalation_level as RoutingRule['escalationLevel']) ?? null,
    audience: r.audience as Audience,
    channels: r.channels as Channel[],
    templateKey: r.template_key as string,
    enabled: r.enabled as boolean,
    source: r.source as string,
  };
}

function values(r: RoutingRule): unknown[] {
  return [r.id, r.notificationType, r.ticketType, r.escalationLevel, r.audience, [...r.channels], r.templateKey, r.enabled, r.source];
}

/** Routing rules in `<schema>.routing_rules`, keyed by the deterministic rule id. */
export class PgRoutingRuleRepository implements RoutingRuleRepository {
  constructor(private readonly ctx: SqlContext) {}

  async list(filter: { readonly notificationType?: string }): Promise<RoutingRule[]> {
    const rows = filter.notificationType
      ? await query(this.ctx, `SELECT ${COLUMNS} FROM ${t(this.ctx, 'routing_rules')} WHERE notification_type = $1 ORDER BY id COLLATE "C"`, [
          filter.notificationType,
        ])
      : await query(this.ctx, `SELECT ${COLUMNS} FROM ${t(this.ctx, 'routing_rules')} ORDER BY id COLLATE "C"`);
    return rows.map(toRule);
  }

  async upsert(r: RoutingRule): Promise<void> {
    await query(
      this.ctx,
      `INSERT INTO ${t(this.ctx, 'routing_rules')} (${COLUMNS}, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9, now())
       ON CONFLICT (id) DO UPDATE SET notification_type = EXCLUDED.notification_type, ticket_type = EXCLUDED.ticket_type,
         escalation_level = EXCLUDED.escalation_level, audience = EXCLUDED.audience, channels = EXCLUDED.channels,
         template_key = EXCLUDED.template_key, enabled = EXCLUDED.enabled, source = EXCLUDED.source, updated_at = now()`,
      values(r),
    );
  }

  /** `ON CONFLICT DO NOTHING`: a stored (possibly edited) rule is never overwritten. */
  async insertMissing(rules: readonly RoutingRule[]): Promise<number> {
    let inserted = 0;
    for (const r of rules) {
      const rows = await query(
        this.ctx,
        `INSERT INTO ${t(this.ctx, 'routing_rules')} (${COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (id) DO NOTHING RETURNING id`,
        values(r),
      );
      inserted += rows.length;
    }
    return inserted;
  }
}

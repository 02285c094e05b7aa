import type { Audience, Channel, RoutingRule } from '../../../domain';
import type { RoutingRuleRepository } from '../../../application';
import { query, t, type Row, type SqlContext } from '../sql.util';

const COLUMNS = 'id, notification_type, ticket_type, escalation_level, audience, channels, template_key, enabled, source';

/** At most this many notification types are cached; the cache starts over when full. */
const RULES_CACHE_MAX = 1_000;

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
    ...(r.updated_at ? { updatedAt: r.updated_at as Date } : {}),
  };
}

function values(r: RoutingRule): unknown[] {
  return [r.id, r.notificationType, r.ticketType, r.escalationLevel, r.audience, [...r.channels], r.templateKey, r.enabled, r.source];
}

/** Options of {@link PgRoutingRuleRepository}. */
export interface RoutingRuleCacheOptions {
  /** How long `list` keeps the rules of one notification type, ms (ROUTING_RULES_CACHE_TTL_MS); 0 (the default here) reads every time. */
  readonly ttlMs?: number;
  /** Clock of the cache, epoch ms (tests). */
  readonly now?: () => number;
}

/**
 * Routing rules in `<schema>.routing_rules`, keyed by the deterministic rule id.
 *
 * ResolveRecipients lists the rules of the event's notification type on every call; with a TTL
 * the answer per type is kept that long. A write through this repository (upsert,
 * insertMissing) drops the whole cache at once, so this replica routes by the new rule from the
 * next call; another replica within the TTL. A list without a type is never cached.
 */
export class PgRoutingRuleRepository implements RoutingRuleRepository {
  private readonly cache = new Map<string, { rules: readonly RoutingRule[]; until: number }>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly ctx: SqlContext, options: RoutingRuleCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 0;
    this.now = options.now ?? Date.now;
  }

  async list(filter: { readonly notificationType?: string }): Promise<RoutingRule[]> {
    const type = filter.notificationType;
    const cached = type && this.ttlMs > 0 ? this.cache.get(type) : undefined;
    if (cached && cached.until > this.now()) return [...cached.rules];
    const rules = await this.read(filter);
    if (type && this.ttlMs > 0) {
      if (this.cache.size >= RULES_CACHE_MAX) this.cache.clear();
      this.cache.set(type, { rules: [...rules], until: this.now() + this.ttlMs });
    }
    return rules;
  }

  private async read(filter: { readonly notificationType?: string }): Promise<RoutingRule[]> {
    const rows = filter.notificationType
      ? await query(this.ctx, `SELECT ${COLUMNS}, updated_at FROM ${t(this.ctx, 'routing_rules')} WHERE notification_type = $1 ORDER BY id COLLATE "C"`, [
          filter.notificationType,
        ])
      : await query(this.ctx, `SELECT ${COLUMNS}, updated_at FROM ${t(this.ctx, 'routing_rules')} ORDER BY id COLLATE "C"`);
    return rows.map(toRule);
  }

  async upsert(r: RoutingRule): Promise<RoutingRule> {
    const rows = await query(
      this.ctx,
      `INSERT INTO ${t(this.ctx, 'routing_rules')} (${COLUMNS}, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9, now())
       ON CONFLICT (id) DO UPDATE SET notification_type = EXCLUDED.notification_type, ticket_type = EXCLUDED.ticket_type,
         escalation_level = EXCLUDED.escalation_level, audience = EXCLUDED.audience, channels = EXCLUDED.channels,
         template_key = EXCLUDED.template_key, enabled = EXCLUDED.enabled, source = EXCLUDED.source, updated_at = now()
       RETURNING ${COLUMNS}, updated_at`,
      values(r),
    );
    this.cache.clear();
    return toRule(rows[0]!);
  }

  async delete(id: string): Promise<boolean> {
    // Counted in SQL: TypeORM answers a bare DELETE … RETURNING with [rows, affected].
    const rows = await query(this.ctx, `WITH gone AS (DELETE FROM ${t(this.ctx, 'routing_rules')} WHERE id = $1 RETURNING 1) SELECT count(*)::int AS n FROM gone`, [id]);
    this.cache.clear();
    return (rows[0]?.n as number) > 0;
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
    this.cache.clear();
    return inserted;
  }
}

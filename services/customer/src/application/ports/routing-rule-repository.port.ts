import type { RoutingRule } from '../../domain';

export interface RoutingRuleRepository {
  /** Rules (enabled or not) of one notification type, or all; ordered by id. */
  list(filter: { readonly notificationType?: string }): Promise<RoutingRule[]>;
  /** Insert or replace by `rule.id`; returns the stored rule (with `updatedAt`). */
  upsert(rule: RoutingRule): Promise<RoutingRule>;
  /** Deletes the rule `id`; resolves whether there was one. */
  delete(id: string): Promise<boolean>;
  /** Inserts the rules whose id is not stored yet (never overwrites an edit); returns how many were inserted. */
  insertMissing(rules: readonly RoutingRule[]): Promise<number>;
}

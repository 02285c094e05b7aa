import { buildRoutingRule, defaultRoutingRules, validateNotificationType, type RoutingRule, type RoutingRuleInput } from '../../domain';
import type { RoutingRuleRepository } from '../ports';
import { authorize, type Principal } from '../principal';

/** ListRoutingRules, optionally of one notification type. Roles: ListRoutingRules. */
export class ListRoutingRulesUseCase {
  constructor(private readonly deps: { readonly rules: RoutingRuleRepository }) {}

  async execute(principal: Principal, input: { readonly notificationType?: string } = {}): Promise<RoutingRule[]> {
    authorize(principal, 'ListRoutingRules', 'read routing rules');
    return this.deps.rules.list(input.notificationType ? { notificationType: validateNotificationType(input.notificationType) } : {});
  }
}

/**
 * UpdateRoutingRule: inserts or replaces the rule keyed by (notification type, ticket type,
 * escalation level, audience) — to change channels or template, or disable it
 * (`enabled: false`). Roles: UpsertRoutingRule. Errors: Validation (see buildRoutingRule).
 */
export class UpdateRoutingRuleUseCase {
  constructor(private readonly deps: { readonly rules: RoutingRuleRepository }) {}

  async execute(principal: Principal, input: Omit<RoutingRuleInput, 'source'> & { readonly source?: string }): Promise<RoutingRule> {
    authorize(principal, 'UpsertRoutingRule', 'change routing rules');
    const rule = buildRoutingRule({ ...input, source: input.source?.trim() || `edited by ${principal.staffId ?? principal.role}` });
    await this.deps.rules.upsert(rule);
    return rule;
  }
}

/**
 * Seeds the default rules (default-routing-rules.ts) that are not stored yet; never
 * overwrites an edited rule. Run at start-up / by the migration step. Returns the count inserted.
 */
export async function seedDefaultRoutingRules(rules: RoutingRuleRepository): Promise<number> {
  return rules.insertMissing(defaultRoutingRules());
}

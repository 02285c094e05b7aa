import { NotFoundError, ValidationError } from '@notify/errors';
import { buildRoutingRule, defaultRoutingRules, routingRuleId, validateNotificationType, type RoutingRule, type RoutingRuleInput } from '../../domain';
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
 * (`enabled: false`). An absent or blank `templateKey` keeps the stored rule's; a rule not
 * stored yet needs one. An absent or blank `source` becomes `edited by <staff id or role>`, and
 * for a seeded rule `edited by <…>; seeded from <the seed's source>` (the citation kept).
 * Returns the stored rule (with `updatedAt`). Roles: UpsertRoutingRule. Errors: Validation
 * (`template_key` for a new rule without one; the rest see buildRoutingRule).
 */
export class UpdateRoutingRuleUseCase {
  constructor(private readonly deps: { readonly rules: RoutingRuleRepository }) {}

  async execute(
    principal: Principal,
    input: Omit<RoutingRuleInput, 'source' | 'templateKey'> & { readonly source?: string; readonly templateKey?: string },
  ): Promise<RoutingRule> {
    authorize(principal, 'UpsertRoutingRule', 'change routing rules');
    let templateKey = input.templateKey?.trim() ?? '';
    if (!templateKey) {
      const id = routingRuleId(input);
      const stored = await storedRule(this.deps.rules, validateNotificationType(input.notificationType), id);
      if (!stored) {
        // The rest is checked first, so the error names what is wrong with the rule itself.
        buildRoutingRule({ ...input, templateKey: input.notificationType, source: '' });
        throw new ValidationError('template_key', `is required: no rule ${id} is stored yet to keep the template of`);
      }
      templateKey = stored.templateKey;
    }
    const seeded = defaultRoutingRules().find((r) => r.id === routingRuleId(input));
    const edited = `edited by ${principal.staffId ?? principal.role}`;
    const rule = buildRoutingRule({ ...input, templateKey, source: input.source?.trim() || (seeded ? `${edited}; seeded from ${seeded.source}` : edited) });
    return this.deps.rules.upsert(rule);
  }
}

/**
 * ResetRoutingRule: undoes the edits of the rule keyed by (notification type, ticket type,
 * escalation level, audience): a default rule (default-routing-rules.ts) is stored with its
 * seeded values again; a rule that is no default is deleted. Resolves `{ rule, changed }` (the
 * restored default; `changed` false when it was stored unedited already and nothing was written)
 * or `{ deleted: true, changed: true }`. Roles: ResetRoutingRule. Errors: NotFound (no such rule
 * stored and none seeded), Validation (notification type).
 */
export class ResetRoutingRuleUseCase {
  constructor(private readonly deps: { readonly rules: RoutingRuleRepository }) {}

  async execute(
    principal: Principal,
    key: Pick<RoutingRule, 'notificationType' | 'ticketType' | 'escalationLevel' | 'audience'>,
  ): Promise<{ rule?: RoutingRule; deleted: boolean; changed: boolean }> {
    authorize(principal, 'ResetRoutingRule', 'change routing rules');
    const notificationType = validateNotificationType(key.notificationType);
    const id = routingRuleId({ ...key, notificationType });
    const seeded = defaultRoutingRules().find((r) => r.id === id);
    if (seeded) {
      const stored = await storedRule(this.deps.rules, notificationType, id);
      if (stored && sameStoredValues(stored, seeded)) return { rule: stored, deleted: false, changed: false };
      return { rule: await this.deps.rules.upsert(seeded), deleted: false, changed: true };
    }
    if (await this.deps.rules.delete(id)) return { deleted: true, changed: true };
    throw new NotFoundError('routing rule', id);
  }
}

/** The stored rule `id` (of `notificationType`, whose rules the repository lists), or undefined. */
async function storedRule(rules: RoutingRuleRepository, notificationType: string, id: string): Promise<RoutingRule | undefined> {
  return (await rules.list({ notificationType })).find((r) => r.id === id);
}

/** Whether a stored rule holds exactly the values `rule` would store (channels in order, template, on/off, source). */
function sameStoredValues(stored: RoutingRule, rule: RoutingRule): boolean {
  return (
    stored.enabled === rule.enabled &&
    stored.templateKey === rule.templateKey &&
    stored.source === rule.source &&
    stored.channels.join() === rule.channels.join()
  );
}

/**
 * Seeds the default rules (default-routing-rules.ts) that are not stored yet; never
 * overwrites an edited rule. Run at start-up / by the migration step. Returns the count inserted.
 */
export async function seedDefaultRoutingRules(rules: RoutingRuleRepository): Promise<number> {
  return rules.insertMissing(defaultRoutingRules());
}

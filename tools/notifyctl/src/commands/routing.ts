import { callUnary } from '@notify/grpc-kit';
import { commonv1, customerv1, ticketv1 } from '@notify/proto';
import { enumLabel, parseEnum, parseIntFlag, UsageError, type OptionSpec, type ParsedArgs } from '../args';
import type { Clients } from '../clients';
import type { CommandGroup, CommandSpec } from '../command';
import { callingService } from '../errors';
import { channelLabel, formatTime, notificationTypeLabel, parseChannel } from '../format';
import { formatRecord, formatTable } from '../table';
import { templateKeyChannels } from './templates';
import { TICKET_TYPE_ALIASES } from './tickets';

const audienceLabel = (a: commonv1.AudienceKind): string => enumLabel(commonv1.AudienceKind, 'AUDIENCE_KIND_', a);
/** `GANGGUAN` / `PSB` (the seeds' words), `*` for any ticket type. */
const ticketTypeLabel = (t: ticketv1.TicketType): string =>
  t === ticketv1.TicketType.TICKET_TYPE_DISTURBANCE ? 'GANGGUAN' : t === ticketv1.TicketType.TICKET_TYPE_INSTALLATION ? 'PSB' : '*';
const levelLabel = (l: number): string => (l === 0 ? '*' : String(l));
const channelsLabel = (cs: readonly commonv1.Channel[]): string => cs.map(channelLabel).join(' → ');

/** The rule table of `routing list`: the key (type, ticket type, level, audience), channels in order, template, on/off, source. */
export function routingRuleTable(rules: readonly customerv1.RoutingRule[]): string {
  return formatTable(
    [
      { header: 'TYPE' },
      { header: 'TICKET' },
      { header: 'LEVEL' },
      { header: 'AUDIENCE' },
      { header: 'CHANNELS' },
      { header: 'TEMPLATE' },
      { header: 'ENABLED' },
      { header: 'SOURCE', maxWidth: 50 },
    ],
    rules.map((r) => [
      notificationTypeLabel(r.notificationType),
      ticketTypeLabel(r.ticketType),
      levelLabel(r.escalationLevel),
      audienceLabel(r.audience),
      channelsLabel(r.channels),
      r.templateKey,
      r.enabled ? 'yes' : 'no',
      r.source,
    ]),
  );
}

function routingRuleRecord(r: customerv1.RoutingRule | undefined): string {
  if (!r) return '';
  return formatRecord([
    ['ID', r.id],
    ['Type', notificationTypeLabel(r.notificationType)],
    ['Ticket type', r.ticketType ? ticketTypeLabel(r.ticketType) : 'any'],
    ['Escalation level', r.escalationLevel ? String(r.escalationLevel) : 'any'],
    ['Audience', audienceLabel(r.audience)],
    ['Channels', `${channelsLabel(r.channels)} (each recipient gets the first they accept)`],
    ['Template', r.templateKey],
    ['Enabled', r.enabled ? 'yes' : 'no'],
    ['Source', r.source],
    ['Updated', formatTime(r.updatedAt)],
  ]);
}

/** `--type` read as a NotificationType: `ticket_created`, or as the rules name it, `ticket.created`. */
function typeOf(flag: string, value: string | undefined): commonv1.NotificationType | undefined {
  return value === undefined ? undefined : parseEnum(commonv1.NotificationType, 'NOTIFICATION_TYPE_', flag, value.replace(/\./g, '_'));
}

/**
 * Why an enabled rule with `template` on `channels` would leave recipients out, or undefined
 * when the template has a version on every channel: `has` holds the channels the template service
 * has it on. The customer service does not look templates up (UpsertRoutingRule stores any key).
 */
export function missingTemplateProblem(template: string, channels: readonly commonv1.Channel[], has: ReadonlySet<commonv1.Channel>): string | undefined {
  if (has.size === 0) return `template ${template} does not exist (notifyctl templates list): every recipient of the rule would be left out`;
  const missing = channels.filter((c) => !has.has(c));
  if (!missing.length) return undefined;
  return `template ${template} has no ${missing.map(channelLabel).join(' or ')} version: recipients reached on ${missing.map(channelLabel).join(' or ')} would be left out (add one with notifyctl templates edit ${template} --channel ${channelLabel(missing[0]!).toLowerCase()}, or leave the channel out)`;
}

/** The flags naming a rule's key (`routing set`, `routing reset`). */
const RULE_KEY_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  type: { type: 'string', required: true, valueName: 'type', description: 'notification type, e.g. ticket.completed' },
  audience: { type: 'string', required: true, valueName: 'audience', description: 'who hears of it, e.g. customer, assigned_technician, supervisor_group' },
  'ticket-type': { type: 'string', valueName: 'type', description: 'only tickets of this type: gangguan (disturbance) or psb (installation); default any' },
  level: { type: 'string', valueName: '1|2', description: 'only this escalation level (ticket.escalated); default any' },
};

/** A rule's key from {@link RULE_KEY_OPTIONS}: UNSPECIFIED ticket type / level 0 = any. UsageError for a bad value. */
function ruleKeyOf(args: ParsedArgs): customerv1.ResetRoutingRuleRequest {
  const ticketType = args.string('ticket-type');
  const level = args.string('level');
  return {
    notificationType: typeOf('type', args.required('type'))!,
    audience: parseEnum(commonv1.AudienceKind, 'AUDIENCE_KIND_', 'audience', args.required('audience')),
    ticketType: ticketType === undefined ? ticketv1.TicketType.TICKET_TYPE_UNSPECIFIED : parseEnum(ticketv1.TicketType, 'TICKET_TYPE_', 'ticket-type', ticketType, TICKET_TYPE_ALIASES),
    escalationLevel: level === undefined ? 0 : parseIntFlag('level', level, 1, 2),
  };
}

const list: CommandSpec = {
  name: 'list',
  summary: 'list the routing rules: which audience hears of which notification type, on which channels, with which template',
  service: 'customer',
  options: {
    type: { type: 'string', valueName: 'type', description: 'only this notification type, e.g. ticket.created or ticket_created' },
    audience: { type: 'string', valueName: 'audience', description: 'only this audience, e.g. customer, zone_technicians' },
  },
  examples: ['notifyctl routing list --type ticket.cancelled'],
  async run({ args, clients }) {
    const type = typeOf('type', args.string('type'));
    const audienceText = args.string('audience');
    const audience = audienceText === undefined ? undefined : parseEnum(commonv1.AudienceKind, 'AUDIENCE_KIND_', 'audience', audienceText);
    const res = await callUnary(clients.customer, 'listRoutingRules', { notificationType: type ?? 0 });
    const rules = audience === undefined ? res.rules : res.rules.filter((r) => r.audience === audience);
    const note = type === undefined ? undefined : !rules.length ? (res.rules.length ? otherRulesNote(type, res.rules) : await elsewhereNote(clients, type)) : unroutedNote(type);
    return { json: customerv1.ListRoutingRulesResponse.toJSON({ rules }), text: routingRuleTable(rules), ...(note ? { note } : {}) };
  },
};

const set: CommandSpec = {
  name: 'set',
  summary: 'change a routing rule (channels, template, on/off) or add one; flags left out keep the stored rule\'s values',
  service: 'customer',
  options: {
    ...RULE_KEY_OPTIONS,
    channels: { type: 'string', valueName: 'list', description: 'channels in order of preference, e.g. whatsapp,sms (required for a new rule)' },
    template: { type: 'string', valueName: 'key', description: 'template key, e.g. ticket.completed.installation (required for a new rule)' },
    enable: { type: 'boolean', description: 'turn the rule on (the default for a new rule)' },
    disable: { type: 'boolean', description: 'turn the rule off: its audience hears nothing of this type (of its ticket type / level) through routing; a Notify or Broadcast naming the audience still reaches it' },
    source: { type: 'string', valueName: 'text', description: 'why (kept with the rule; default "edited by <you>", and the seed citation of a seeded rule)' },
    'allow-missing-template': { type: 'boolean', description: 'store it even if the template has no version on one of its channels' },
  },
  examples: [
    'notifyctl routing set --type ticket.completed --ticket-type psb --audience customer --channels sms,whatsapp',
    'notifyctl routing set --type ticket.started --audience assigned_technician --disable --source "technicians asked for fewer messages"',
  ],
  async run({ args, clients }) {
    const { notificationType, audience, ticketType, escalationLevel } = ruleKeyOf(args);
    const channels = args.list('channels').map((c) => parseChannel('channels', c));
    if (args.flag('enable') && args.flag('disable')) throw new UsageError('--enable and --disable: give one of them');
    const template = args.string('template');

    const typeRules = (await callUnary(clients.customer, 'listRoutingRules', { notificationType })).rules;
    const stored = typeRules.find((r) => r.audience === audience && r.ticketType === ticketType && r.escalationLevel === escalationLevel);
    if (!stored && (!channels.length || !template)) {
      const hint = typeRules.length ? otherRulesNote(notificationType, typeRules) : await elsewhereNote(clients, notificationType);
      throw new UsageError(`missing required flag ${channels.length ? '--template' : '--channels'}: the rule is not stored yet${hint ? `; ${hint.replace(/^note: /, '')}` : ''}`);
    }
    const rule = customerv1.RoutingRule.fromPartial({
      notificationType,
      audience,
      ticketType,
      escalationLevel,
      channels: channels.length ? channels : stored!.channels,
      templateKey: template ?? stored!.templateKey,
      enabled: args.flag('disable') ? false : args.flag('enable') ? true : (stored?.enabled ?? true),
      source: args.string('source') ?? '',
    });
    if (stored && !args.string('source') && sameRule(stored, rule)) {
      // Nothing to change (QA: `--channels ""` said "changed" and replaced the rule's source).
      return { json: customerv1.UpsertRoutingRuleResponse.toJSON({ rule: stored }), text: routingRuleRecord(stored), note: `note: ${stored.id} already is so: nothing changed` };
    }
    if (rule.enabled && !args.flag('allow-missing-template')) {
      const has = new Set(await callingService('template', () => templateKeyChannels(clients, rule.templateKey)));
      const problem = missingTemplateProblem(rule.templateKey, rule.channels, has);
      if (problem) throw new Error(`${problem}; nothing changed (--allow-missing-template stores it anyway)`);
    }
    const res = await callUnary(clients.customer, 'upsertRoutingRule', { rule });
    const unrouted = unroutedNote(notificationType);
    const note = `${stored ? 'changed' : 'added'} ${res.rule!.id}: applies to the next notifications (another customer-service replica within ROUTING_RULES_CACHE_TTL_MS)${unrouted ? `\n${unrouted}` : ''}`;
    return { json: customerv1.UpsertRoutingRuleResponse.toJSON(res), text: routingRuleRecord(res.rule), note };
  },
};

const reset: CommandSpec = {
  name: 'reset',
  summary: 'undo the edits of a routing rule: a seeded rule gets its seeded values back, a rule added by routing set is deleted',
  service: 'customer',
  options: RULE_KEY_OPTIONS,
  examples: ['notifyctl routing reset --type ticket.completed --ticket-type psb --audience customer'],
  async run({ args, clients }) {
    const res = await callUnary(clients.customer, 'resetRoutingRule', ruleKeyOf(args));
    const json = customerv1.ResetRoutingRuleResponse.toJSON(res);
    if (res.deleted) return { json, text: '', note: 'deleted: the rule was not a seeded one; its audience hears nothing of this type from it any more' };
    if (!res.changed) return { json, text: routingRuleRecord(res.rule), note: `${res.rule!.id} already has its seeded values; nothing changed` };
    return { json, text: routingRuleRecord(res.rule), note: `reset ${res.rule!.id} to its seeded values` };
  },
};

/** Whether storing `next` would change nothing of `stored` (channels, template, on/off). */
function sameRule(stored: customerv1.RoutingRule, next: customerv1.RoutingRule): boolean {
  return stored.enabled === next.enabled && stored.templateKey === next.templateKey && stored.channels.join() === next.channels.join();
}

/**
 * The notification types an event routes (the gateway's event mapping: ticket events, the SLA,
 * payment-reminder, daily-summary and weekly-performance jobs, registrations and activations).
 * The rules of any other type only give a Notify or Broadcast its default template.
 */
const EVENT_ROUTED: ReadonlySet<commonv1.NotificationType> = new Set([
  commonv1.NotificationType.NOTIFICATION_TYPE_TICKET_CREATED, commonv1.NotificationType.NOTIFICATION_TYPE_TICKET_ASSIGNED,
  commonv1.NotificationType.NOTIFICATION_TYPE_TICKET_STARTED, commonv1.NotificationType.NOTIFICATION_TYPE_TICKET_COMPLETED,
  commonv1.NotificationType.NOTIFICATION_TYPE_TICKET_CANCELLED, commonv1.NotificationType.NOTIFICATION_TYPE_TICKET_ESCALATED,
  commonv1.NotificationType.NOTIFICATION_TYPE_SLA_WARNING, commonv1.NotificationType.NOTIFICATION_TYPE_PAYMENT_REMINDER,
  commonv1.NotificationType.NOTIFICATION_TYPE_PAYMENT_RECEIVED,
  commonv1.NotificationType.NOTIFICATION_TYPE_DAILY_SUMMARY, commonv1.NotificationType.NOTIFICATION_TYPE_WEEKLY_PERFORMANCE,
  commonv1.NotificationType.NOTIFICATION_TYPE_REGISTRATION_CONFIRMATION, commonv1.NotificationType.NOTIFICATION_TYPE_CUSTOMER_ACTIVATED,
  commonv1.NotificationType.NOTIFICATION_TYPE_WELCOME,
]);

/**
 * For a type no event routes: that its rules choose recipients for nothing (QA: a rule for
 * technician_job_offer was added and never fired), only the template a Notify or Broadcast of it
 * uses by default. Undefined for the types events route.
 */
export function unroutedNote(type: commonv1.NotificationType): string | undefined {
  if (EVENT_ROUTED.has(type)) return undefined;
  const name = enumLabel(commonv1.NotificationType, 'NOTIFICATION_TYPE_', type).toLowerCase();
  return `note: no event sends ${name}: it goes only to whom a Notify or Broadcast names, and its rules give those their default template`;
}

/**
 * When the type has rules but none of the key asked for: which rules it has (QA: "no routing rule
 * for ticket_escalated" while three existed, for other levels).
 */
export function otherRulesNote(type: commonv1.NotificationType, rules: readonly customerv1.RoutingRule[]): string {
  const name = enumLabel(commonv1.NotificationType, 'NOTIFICATION_TYPE_', type).toLowerCase();
  const keys = rules.map((r) => `${audienceLabel(r.audience).toLowerCase()}${r.ticketType ? ` --ticket-type ${ticketTypeLabel(r.ticketType).toLowerCase()}` : ''}${r.escalationLevel ? ` --level ${r.escalationLevel}` : ''}`);
  return `note: ${name} has rules for: ${keys.join('; ')} (notifyctl routing list --type ${name})`;
}

/**
 * When a notification type has no routing rules: where its messages come from instead, from the
 * rules whose template is named like the type (`technician_job_offer` → the rules sending
 * `technician.job_offer`: job offers go out on ticket.created) — QA: an operator looked for the
 * job offers' rules under technician_job_offer. Undefined when no rule sends such a template.
 */
async function elsewhereNote(clients: Clients, type: commonv1.NotificationType): Promise<string | undefined> {
  const name = enumLabel(commonv1.NotificationType, 'NOTIFICATION_TYPE_', type).toLowerCase();
  const all = (await callUnary(clients.customer, 'listRoutingRules', { notificationType: 0 })).rules;
  const sending = all.filter((r) => r.templateKey.replace(/\./g, '_').startsWith(name));
  if (!sending.length) return `note: no routing rule for ${name}: its messages go only to the recipients a Notify or Broadcast names`;
  const where = [...new Set(sending.map((r) => `${notificationTypeLabel(r.notificationType).toLowerCase()} (${audienceLabel(r.audience).toLowerCase()})`))];
  return `note: no routing rule for ${name}; template ${sending[0]!.templateKey} goes out under ${where.join(', ')}: notifyctl routing list --type ${notificationTypeLabel(sending[0]!.notificationType).toLowerCase()}`;
}

/** `notifyctl routing …`: who hears of what, on which channels, with which template (customer service). */
export const routingGroup: CommandGroup = {
  name: 'routing',
  aliases: ['rules'],
  summary: 'list, change and reset the routing rules: which audience hears of which notification type, on which channels, with which template (customer service)',
  commands: [list, set, reset],
};

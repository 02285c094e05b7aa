import { TEMPLATE_KEY_EVENTS } from '@notify/events';
import { buildRoutingRule, DEFAULT_ROUTING_RULE_INPUTS, defaultRoutingRules, GROUP_AUDIENCES } from '../src/domain';

/** Template keys seeded by the template service (services/template/src/seed) as of this commit. */
const KNOWN_TEMPLATE_KEYS = new Set([
  'case.escalation.head', 'case.escalation.lead', 'customer.new_registration', 'customer.registration_confirmation', 'customer.welcome',
  'emergency.alert', 'installation.schedule', 'maintenance.notice', 'payment.received', 'payment.reminder', 'promotion.campaign',
  'sla.warning', 'summary.daily', 'survey.satisfaction', 'technician.job_offer', 'technician.job_started', 'technician.ticket_assigned',
  'system.alert', 'technician.offer_cancelled', 'technician.ticket_cancelled', 'technician.ticket_reassigned', 'technician.weekly_performance', 'upgrade.offer',
  ...['created', 'assigned', 'started', 'completed', 'cancelled'].flatMap((e) => [`ticket.${e}.disturbance`, `ticket.${e}.installation`]),
]);
/** Keys with an SMS text in the template service (ticket-sms.templates.ts and the SMS versions beside the WhatsApp ones). */
const SMS_TEMPLATE_KEYS = new Set([
  ...['created', 'assigned', 'started', 'completed', 'cancelled'].flatMap((e) => [`ticket.${e}.disturbance`, `ticket.${e}.installation`]),
  'technician.job_offer', 'technician.ticket_assigned', 'technician.job_started', 'technician.ticket_cancelled', 'technician.ticket_reassigned', 'technician.offer_cancelled',
  'sla.warning', 'emergency.alert', 'case.escalation.lead', 'case.escalation.head', 'maintenance.notice',
]);

describe('default routing rules', () => {
  const rules = defaultRoutingRules();

  it('are all valid, with unique ids and a seed citation each', () => {
    expect(rules.length).toBe(DEFAULT_ROUTING_RULE_INPUTS.length);
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
    for (const r of rules) expect(r.source).toMatch(/^(CNS|SMS|REC|WNS|CASE) ("|§)/);
  });

  it('use only templates that exist when enabled, and SMS only where an SMS text exists', () => {
    for (const r of rules.filter((x) => x.enabled)) {
      expect(KNOWN_TEMPLATE_KEYS.has(r.templateKey) ? r.templateKey : `missing ${r.templateKey}`).toBe(r.templateKey);
      if (r.channels.includes('SMS')) expect(SMS_TEMPLATE_KEYS.has(r.templateKey) ? 'ok' : r.templateKey).toBe('ok');
    }
  });

  it('send each ticket lifecycle event to the customer with the type-specific template', () => {
    for (const event of ['created', 'assigned', 'started', 'completed', 'cancelled']) {
      for (const [type, suffix] of [['GANGGUAN', 'disturbance'], ['PSB', 'installation']] as const) {
        const r = rules.find((x) => x.notificationType === `ticket.${event}` && x.ticketType === type && x.audience === 'CUSTOMER');
        expect(r?.templateKey).toBe(`ticket.${event}.${suffix}`);
      }
    }
  });

  it('route escalation level 1 to supervisors (lead) and level 2 to managers (head)', () => {
    const esc = rules.filter((r) => r.notificationType === 'ticket.escalated');
    expect(esc.filter((r) => r.escalationLevel === 1).map((r) => [r.audience, r.templateKey])).toEqual(
      expect.arrayContaining([['SUPERVISORS', 'case.escalation.lead']]),
    );
    expect(esc.filter((r) => r.escalationLevel === 2).map((r) => [r.audience, r.templateKey])).toEqual([['MANAGERS', 'case.escalation.head']]);
  });

  it('send group audiences on WhatsApp only (and the builder refuses otherwise)', () => {
    for (const r of rules.filter((x) => GROUP_AUDIENCES.includes(x.audience))) expect(r.channels).toEqual(['WHATSAPP']);
    expect(() =>
      buildRoutingRule({ notificationType: 'sla.warning', ticketType: null, escalationLevel: null, audience: 'NOC_GROUP', channels: ['SMS'], templateKey: 'sla.warning', enabled: true, source: 'x' }),
    ).toThrow(/^channels: NOC_GROUP is a WhatsApp group audience/);
  });
});

describe('default routing rules and the events that fill their templates (@notify/events TEMPLATE_KEY_EVENTS)', () => {
  /** The event whose notification a rule's notification type is (the dotted names of default-routing-rules.ts). */
  const EVENT_OF: Record<string, string> = {
    'sla.warning': 'schedule.sla_warning', 'payment.reminder': 'schedule.payment_reminder', 'summary.daily': 'schedule.daily_summary',
    'performance.weekly': 'schedule.weekly_performance', 'customer.registered': 'customer.registered', 'customer.activated': 'customer.activated',
  };
  const eventOf = (type: string): string | undefined => (type.startsWith('ticket.') ? type : EVENT_OF[type]);

  it('every rule an event triggers names a template listed for that event, so the template service checks edits of it against what the event carries', () => {
    const rules = defaultRoutingRules().filter((r) => eventOf(r.notificationType));
    expect(rules.length).toBeGreaterThan(30);
    for (const r of rules) expect([r.templateKey, TEMPLATE_KEY_EVENTS[r.templateKey] ?? []]).toEqual([r.templateKey, expect.arrayContaining([eventOf(r.notificationType)])]);
  });
});

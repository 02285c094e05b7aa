import { commonv1, customerv1, ticketv1 } from '@notify/proto';
import { missingTemplateProblem, otherRulesNote, routingRuleTable, unroutedNote } from '../src/commands/routing';

const CH = commonv1.Channel;

describe('routing list: the rule table', () => {
  it('shows the key (type, ticket type, level, audience; * = any), channels in order, template, on/off and source', () => {
    const rules = [
      customerv1.RoutingRule.fromPartial({
        id: 'ticket.completed/PSB/*/CUSTOMER', notificationType: commonv1.NotificationType.NOTIFICATION_TYPE_TICKET_COMPLETED,
        ticketType: ticketv1.TicketType.TICKET_TYPE_INSTALLATION, audience: commonv1.AudienceKind.AUDIENCE_KIND_CUSTOMER,
        channels: [CH.CHANNEL_WHATSAPP, CH.CHANNEL_SMS], templateKey: 'ticket.completed.installation', enabled: true, source: 'CNS "Message Templates › PSB › Completed"',
      }),
      customerv1.RoutingRule.fromPartial({
        id: 'ticket.escalated/*/2/MANAGERS', notificationType: commonv1.NotificationType.NOTIFICATION_TYPE_TICKET_ESCALATED, escalationLevel: 2,
        audience: commonv1.AudienceKind.AUDIENCE_KIND_MANAGERS, channels: [CH.CHANNEL_WHATSAPP], templateKey: 'ticket.escalated.manager', enabled: false, source: 'edited by admin',
      }),
    ];
    const lines = routingRuleTable(rules).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TYPE\s+TICKET\s+LEVEL\s+AUDIENCE\s+CHANNELS\s+TEMPLATE\s+ENABLED\s+SOURCE$/);
    expect(lines[1]).toMatch(/^TICKET_COMPLETED\s+PSB\s+\*\s+CUSTOMER\s+WHATSAPP → SMS\s+ticket\.completed\.installation\s+yes\s+CNS "Message Templates › PSB › Completed"$/);
    expect(lines[2]).toMatch(/^TICKET_ESCALATED\s+\*\s+2\s+MANAGERS\s+WHATSAPP\s+ticket\.escalated\.manager\s+no\s+edited by admin$/);
  });
});

describe('routing set: the template check', () => {
  it('passes a template with a version on every channel of the rule', () => {
    expect(missingTemplateProblem('ticket.completed.installation', [CH.CHANNEL_WHATSAPP, CH.CHANNEL_SMS], new Set([CH.CHANNEL_SMS, CH.CHANNEL_WHATSAPP]))).toBeUndefined();
    expect(missingTemplateProblem('reminder.payment', [CH.CHANNEL_WHATSAPP], new Set([CH.CHANNEL_WHATSAPP]))).toBeUndefined();
  });

  it('names a channel the template has no version on, and a template that does not exist', () => {
    expect(missingTemplateProblem('reminder.payment', [CH.CHANNEL_WHATSAPP, CH.CHANNEL_SMS], new Set([CH.CHANNEL_WHATSAPP]))).toBe(
      'template reminder.payment has no SMS version: recipients reached on SMS would be left out (add one with notifyctl templates edit reminder.payment --channel sms, or leave the channel out)',
    );
    expect(missingTemplateProblem('no.such', [CH.CHANNEL_WHATSAPP], new Set())).toBe(
      'template no.such does not exist (notifyctl templates list): every recipient of the rule would be left out',
    );
  });
});

describe('routing notes', () => {
  const NT = commonv1.NotificationType;
  it('a type no event sends: its rules only give a Notify or Broadcast its template (QA: a technician_job_offer rule never fired)', () => {
    expect(unroutedNote(NT.NOTIFICATION_TYPE_TECHNICIAN_JOB_OFFER)).toBe(
      'note: no event sends technician_job_offer: it goes only to whom a Notify or Broadcast names, and its rules give those their default template',
    );
    expect(unroutedNote(NT.NOTIFICATION_TYPE_SYSTEM_ALERT)).toMatch(/^note: no event sends system_alert/);
    for (const routed of [NT.NOTIFICATION_TYPE_TICKET_CREATED, NT.NOTIFICATION_TYPE_SLA_WARNING, NT.NOTIFICATION_TYPE_PAYMENT_REMINDER, NT.NOTIFICATION_TYPE_DAILY_SUMMARY]) {
      expect(unroutedNote(routed)).toBeUndefined();
    }
  });

  it('a key the type has no rule for: names the rules it has, with the flags to reach them (QA: "no routing rule" while three existed)', () => {
    const rules = [
      customerv1.RoutingRule.fromPartial({ audience: commonv1.AudienceKind.AUDIENCE_KIND_SUPERVISORS, escalationLevel: 1 }),
      customerv1.RoutingRule.fromPartial({ audience: commonv1.AudienceKind.AUDIENCE_KIND_CUSTOMER, ticketType: ticketv1.TicketType.TICKET_TYPE_INSTALLATION }),
    ];
    expect(otherRulesNote(NT.NOTIFICATION_TYPE_TICKET_ESCALATED, rules)).toBe(
      'note: ticket_escalated has rules for: supervisors --level 1; customer --ticket-type psb (notifyctl routing list --type ticket_escalated)',
    );
  });
});

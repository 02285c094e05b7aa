import { DEFAULT_TEMPLATES, MAX_MESSAGE_CHARACTERS, TemplateRenderer, type TemplateVariables, type TemplateVersion } from '../src';

/**
 * Every default text stays within one message of its channel (WhatsApp 4096, SMS 1600
 * characters) whatever the services put in the variables at their limits. A default that could
 * exceed it would fail to render for a real ticket, and that recipient's message would be lost.
 */

/**
 * Longest value of each variable the services fill in from their own records (the gateway's
 * event mapper): the ticket's problem text is the title and description (200 + 1 + 4000,
 * ticket_service.proto), notes and reasons 2000, addresses 500, names 200, work zones 64
 * (customer service), package names and invoice numbers 100, invoice descriptions 200.
 */
const SERVICE_LIMITS: Readonly<Record<string, number>> = {
  description: 4201, issue_type: 4201, summary: 4201, completion_notes: 2000, cancellation_reason: 2000,
  address: 500, customer_name: 200, technician_name: 200, zone: 64, location: 64, org_unit: 64, area: 64,
  package_name: 100, current_package: 100, invoice_number: 100, invoice_description: 200,
};
/**
 * Variables given by the caller of Notify / ScheduleCampaign (an oversized one is refused to
 * that caller, synchronously: INVALID_ARGUMENT), or short values the services format (numbers,
 * dates, ids, phones, URLs from configuration).
 */
const CALLER_OR_SHORT = new Set([
  'ticket_number', 'created_at', 'technician_phone', 'started_at', 'completed_at', 'cancelled_at', 'priority', 'customer_phone',
  'sla_deadline', 'duration_minutes', 'ticket_url', 'status', 'remaining_minutes', 'date', 'total', 'completed', 'in_progress',
  'assigned', 'open', 'cancelled', 'sla_compliance', 'avg_resolution_hours', 'system_name', 'case_code', 'detail_url', 'days_until_due', 'amount',
  'due_date', 'customer_id', 'registered_at', 'scheduled_at', 'maintenance_type', 'start_at', 'impact', 'reason', 'alert_type',
  'customers_affected', 'eta', 'actions', 'activated_at', 'support_phone', 'upgrade_package', 'upgrade_price', 'survey_url',
  'campaign_title', 'offer', 'discount_percent', 'valid_until', 'terms', 'cta_text', 'cta_link', 'period', 'completed_tickets',
  'avg_resolution_minutes', 'rating', 'rank', 'total_technicians', 'bonus', 'wants_installation', 'taken_by_other', 'changed_meanwhile',
  'message', 'occurred_at', 'paid_at',
]);

describe('default templates with the longest values the services put in', () => {
  const renderer = new TemplateRenderer();
  const text = (n: number) => 'Kabel fiber putus di tiang dekat rumah. '.repeat(Math.ceil(n / 40)).slice(0, n);

  it('every variable of every default is either service-filled (with its limit) or caller-given / short', () => {
    const unknown = [...new Set(DEFAULT_TEMPLATES.flatMap((t) => Object.keys(t.sampleVariables)))].filter((v) => !(v in SERVICE_LIMITS) && !CALLER_OR_SHORT.has(v));
    expect(unknown).toEqual([]);
  });

  it.each(DEFAULT_TEMPLATES.map((t) => [`${t.key} ${t.channel}/${t.locale}`, t] as const))('%s fits one message', (_name, t) => {
    const variables = Object.fromEntries(
      Object.entries(t.sampleVariables).map(([k, v]) => [k, k in SERVICE_LIMITS && typeof v === 'string' ? text(SERVICE_LIMITS[k]!) : v]),
    ) as TemplateVariables;
    const version: TemplateVersion = { key: t.key, channel: t.channel, locale: t.locale, version: 1, body: t.body, sampleVariables: {}, description: '', createdAt: new Date(0), createdBy: 'test' };
    const rendered = renderer.render(version, variables);
    expect(Array.from(rendered.text).length).toBeLessThanOrEqual(MAX_MESSAGE_CHARACTERS[t.channel]);
  });
});

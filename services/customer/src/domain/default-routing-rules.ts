import { buildRoutingRule, type RoutingRule, type RoutingRuleInput } from './routing';

/**
 * The routing rules Notify starts with, one row per (notification type, ticket type,
 * escalation level, audience), each citing the seed section it comes from. They are seeded
 * into the routing-rule store (missing rows only; edits are never overwritten) and are
 * editable afterwards.
 *
 * Seeds (reference/seeds/):
 *   CNS  customer-notification-system.md
 *   SMS  ticket-sms-notifications.md
 *   REC  whatsapp-notification-recommendation.md
 *   WNS  whatsapp-notification-system-complete.md
 *   CASE case-workflow-whatsapp-bot-plan.md
 *
 * Channels are in order of preference; a recipient gets the first one they accept (a
 * customer who switched WhatsApp off gets the SMS). SMS appears only where the seeds send
 * SMS (SMS: ticket lifecycle to customer and technician) and the template service has an
 * SMS text for the key; elsewhere the gateway's WhatsApp → SMS fallback policy applies.
 *
 * Template keys are those of services/template/src/seed. Deliberate choices:
 * - the assigned technician hears of every status change of their ticket (SMS "Overview": "to
 *   both customers and assigned technicians"; "Ticket Status Change › To Technician"): started
 *   (technician.job_started) and cancelled (technician.ticket_cancelled). A technician who made
 *   the change themselves ("press 1") is the transition's actor and is left out (IS_ACTOR): the
 *   gateway's inbound flow already replied to them; so is one who took a job (ticket.assigned),
 *   who got technician.job_taken. ticket.completed has no technician message: the seed's
 *   "Ticket Closed" goes to the customer only, and completing is the technician's own step.
 * - a ticket cancelled before anyone took it tells the technicians its job offer reached
 *   (OFFERED_TECHNICIANS → technician.offer_cancelled), so nobody answers "1" or drives to it,
 *   and so are the technicians' groups it reached (OFFERED_TECHNICIAN_GROUP, WhatsApp).
 * - system.alert (NOTIFICATION_TYPE_SYSTEM_ALERT) has no event of its own: a monitoring system or
 *   an operator sends it through Notify / Broadcast (roles admin, noc) to the NOC group (audience
 *   NOC_GROUP); like the other API-triggered types', its rule records the seed's routing and
 *   gives those calls their default template.
 */
export const DEFAULT_ROUTING_RULE_INPUTS: readonly RoutingRuleInput[] = [
  // ── ticket.created ──────────────────────────────────────────────────────────────
  rule('ticket.created', 'GANGGUAN', null, 'CUSTOMER', ['WHATSAPP', 'SMS'], 'ticket.created.disturbance',
    'CNS "Integration Points › Job Creation (Admin Input)" step 3, "Message Templates › Gangguan › Created"; SMS "SMS Message Examples › Ticket Created › To Customer"'),
  rule('ticket.created', 'PSB', null, 'CUSTOMER', ['WHATSAPP', 'SMS'], 'ticket.created.installation',
    'CNS "PSB Ticket Creation (Customer Registration)" step 4, "Message Templates › PSB › Created"'),
  rule('ticket.created', null, null, 'ZONE_TECHNICIANS', ['WHATSAPP', 'SMS'], 'technician.job_offer',
    'CNS "Job Creation (Admin Input)" step 2 ("all active technicians") and "Technician Takes Job (Button 1)"; SMS "Ticket Created › To Technician"; zone per REC "Smart Routing by Role › TECHNICIAN › New available ticket (work_zone)"'),
  rule('ticket.created', null, null, 'ZONE_TECHNICIAN_GROUP', ['WHATSAPP'], 'technician.job_offer',
    'REC "Notification Routing Rules" 3 "New Open Ticket → WhatsApp Group (to technicians group by work_zone)"; REC "Option B" use case 1'),

  // ── ticket.assigned ─────────────────────────────────────────────────────────────
  rule('ticket.assigned', 'GANGGUAN', null, 'CUSTOMER', ['WHATSAPP', 'SMS'], 'ticket.assigned.disturbance',
    'CNS "Technician Takes Job (Button 1)" step 3, "Message Examples › 2. Job Assigned"; SMS "Ticket Assigned › To Customer"'),
  rule('ticket.assigned', 'PSB', null, 'CUSTOMER', ['WHATSAPP', 'SMS'], 'ticket.assigned.installation',
    'CNS "Message Templates › PSB › Assigned"'),
  rule('ticket.assigned', null, null, 'PREVIOUS_TECHNICIAN', ['WHATSAPP', 'SMS'], 'technician.ticket_reassigned',
    'SMS "Overview" ("to both customers and assigned technicians"), extended by Notify: on a reassignment (TicketEvent.previous_technician_id) the technician the ticket was taken from is told, so nobody drives to a job that is no longer theirs'),
  rule('ticket.assigned', null, null, 'ASSIGNED_TECHNICIAN', ['WHATSAPP', 'SMS'], 'technician.ticket_assigned',
    'WNS "Phase 1" 1 "Ticket Assignment → Teknisi"; REC "Notification Routing Rules" 1; SMS "Ticket Assigned › To Technician"; CASE §4.1'),

  // ── ticket.started ──────────────────────────────────────────────────────────────
  rule('ticket.started', 'GANGGUAN', null, 'CUSTOMER', ['WHATSAPP', 'SMS'], 'ticket.started.disturbance',
    'CNS "Technician Starts Job (Button 1 on assigned job)", "Message Examples › 3. Job In Progress"; SMS "Ticket Status Change › To Customer"'),
  rule('ticket.started', 'PSB', null, 'CUSTOMER', ['WHATSAPP', 'SMS'], 'ticket.started.installation',
    'CNS "Message Templates › PSB › In Progress"'),
  rule('ticket.started', null, null, 'ASSIGNED_TECHNICIAN', ['WHATSAPP', 'SMS'], 'technician.job_started',
    'SMS "Overview" ("to both customers and assigned technicians"), "Ticket Status Change › To Technician"; left out when they started it themselves (IS_ACTOR)'),

  // ── ticket.completed ────────────────────────────────────────────────────────────
  rule('ticket.completed', 'GANGGUAN', null, 'CUSTOMER', ['WHATSAPP', 'SMS'], 'ticket.completed.disturbance',
    'CNS "Technician Completes Job", "Message Examples › 4. Job Completed"; SMS "Ticket Closed › To Customer"; WNS "Phase 1" 2'),
  rule('ticket.completed', 'PSB', null, 'CUSTOMER', ['WHATSAPP', 'SMS'], 'ticket.completed.installation',
    'CNS "Message Templates › PSB › Completed"'),

  // ── ticket.cancelled ────────────────────────────────────────────────────────────
  rule('ticket.cancelled', 'GANGGUAN', null, 'CUSTOMER', ['WHATSAPP', 'SMS'], 'ticket.cancelled.disturbance',
    'CNS "Message Templates › Gangguan › Cancelled", "Message Examples › 5. Job Cancelled"'),
  rule('ticket.cancelled', 'PSB', null, 'CUSTOMER', ['WHATSAPP', 'SMS'], 'ticket.cancelled.installation',
    'CNS "Message Templates › PSB › Cancelled"'),
  rule('ticket.cancelled', null, null, 'ASSIGNED_TECHNICIAN', ['WHATSAPP', 'SMS'], 'technician.ticket_cancelled',
    'SMS "Overview" ("to both customers and assigned technicians"), "Supported Events › ticket_status_change"'),
  rule('ticket.cancelled', null, null, 'OFFERED_TECHNICIANS', ['WHATSAPP', 'SMS'], 'technician.offer_cancelled',
    'CNS "Job Creation (Admin Input)" step 2 (the job offer to "all active technicians"), extended by Notify: when a ticket is cancelled before anyone took it, the technicians its offer reached are told, so nobody answers "1" or drives to it'),
  rule('ticket.cancelled', null, null, 'OFFERED_TECHNICIAN_GROUP', ['WHATSAPP'], 'technician.offer_cancelled',
    'REC "Notification Routing Rules" 3 (the new open ticket to the technicians group by work_zone), extended by Notify: the group the offer reached hears it was cancelled before anyone took it (QA)'),

  // ── ticket.escalated ────────────────────────────────────────────────────────────
  rule('ticket.escalated', null, 1, 'SUPERVISORS', ['WHATSAPP'], 'case.escalation.lead',
    'CASE §4.2 "On escalation to lead"; REC "Smart Routing by Role › SUPERVISOR › Escalation → WhatsApp Personal"'),
  rule('ticket.escalated', null, 1, 'SUPERVISOR_GROUP', ['WHATSAPP'], 'case.escalation.lead',
    'REC "Master data: WhatsApp groups" (Supervisor Team takes escalation)'),
  rule('ticket.escalated', null, 2, 'MANAGERS', ['WHATSAPP'], 'case.escalation.head',
    'CASE §4.3 "On escalation to kadis"'),

  // ── sla.warning (scheduler, every 15 min) ───────────────────────────────────────
  rule('sla.warning', null, null, 'SUPERVISORS', ['WHATSAPP'], 'sla.warning',
    'WNS "Automated Jobs › 1. SLA Monitor › Recipients: Supervisors (personal WhatsApp)"'),
  rule('sla.warning', null, null, 'ASSIGNED_TECHNICIAN', ['WHATSAPP'], 'sla.warning',
    'REC "Notification Routing Rules" 2 "→ WhatsApp Personal (to assigned technician)"; REC "Smart Routing › TECHNICIAN › SLA warning"'),
  rule('sla.warning', null, null, 'SUPERVISOR_GROUP', ['WHATSAPP'], 'sla.warning',
    'REC "Notification Routing Rules" 2 "→ WhatsApp Group (to supervisor group)"; REC "Option B" use case 2'),
  rule('sla.warning', null, null, 'ZONE_TECHNICIAN_GROUP', ['WHATSAPP'], 'sla.warning',
    'REC "Master data: WhatsApp groups" (Teknisi <zone> groups take sla_warning)'),

  // ── payment.reminder (scheduler, daily 09:00, invoices due in 7/3/1 days) ───────
  rule('payment.reminder', null, null, 'CUSTOMER', ['WHATSAPP'], 'payment.reminder',
    'WNS "Automated Jobs › 2. Payment Reminder"; REC "Smart Routing › CUSTOMER › Invoice reminder"'),

  // ── payment.received (customer event invoice_status_changed: an invoice marked PAID) ──
  rule('payment.received', null, null, 'CUSTOMER', ['WHATSAPP'], 'payment.received',
    'REC "Recommended implementation priority" 1 item 5 "Payment received confirmation" (individual WhatsApp to the customer)'),

  // ── summary.daily (scheduler, daily 18:00) ──────────────────────────────────────
  rule('summary.daily', null, null, 'MANAGERS', ['WHATSAPP'], 'summary.daily',
    'WNS "Automated Jobs › 3. Daily Summary › Recipients: Managers & Supervisors"'),
  rule('summary.daily', null, null, 'SUPERVISORS', ['WHATSAPP'], 'summary.daily',
    'WNS "Automated Jobs › 3. Daily Summary › Recipients: Managers & Supervisors"'),
  rule('summary.daily', null, null, 'MANAGEMENT_GROUP', ['WHATSAPP'], 'summary.daily',
    'REC "Notification Routing Rules" 5 "Daily Summary → WhatsApp Group (to management group)"; WNS "Notification Routing › WhatsApp Groups"'),
  rule('summary.daily', null, null, 'SUPERVISOR_GROUP', ['WHATSAPP'], 'summary.daily',
    'REC "Smart Routing › SUPERVISOR › Daily summary → WhatsApp Group"; REC "Master data" (Supervisor Team takes daily_summary)'),

  // ── performance.weekly (scheduler, Monday 08:00) ────────────────────────────────
  rule('performance.weekly', null, null, 'ALL_TECHNICIANS', ['WHATSAPP'], 'technician.weekly_performance',
    'WNS "Automated Jobs › 4. Weekly Performance › Recipients: All active technicians"; WNS "Personal WhatsApp › Performance reports"'),

  // ── campaigns (scheduler / API) ─────────────────────────────────────────────────
  rule('campaign.maintenance', null, null, 'AREA_CUSTOMERS', ['WHATSAPP'], 'maintenance.notice',
    'WNS "API Endpoints › 2. Maintenance Notification › Sends to: Customers in affected area (bulk)"'),
  rule('campaign.maintenance', null, null, 'ALL_GROUPS', ['WHATSAPP'], 'maintenance.notice',
    'WNS "Notification Routing › WhatsApp Groups › Maintenance announcements (can be configured)"', false),
  rule('campaign.emergency', null, null, 'ALL_STAFF', ['WHATSAPP'], 'emergency.alert',
    'WNS "API Endpoints › 1. Emergency Alert › Sends to: ALL staff + WhatsApp groups"'),
  rule('campaign.emergency', null, null, 'ALL_GROUPS', ['WHATSAPP'], 'emergency.alert',
    'WNS "API Endpoints › 1. Emergency Alert"; WNS "WhatsApp Groups › Emergency alerts (to all team groups)"'),
  rule('campaign.promotion', null, null, 'ALL_CUSTOMERS', ['WHATSAPP'], 'promotion.campaign',
    'WNS "API Endpoints › 8. Promotion Campaign"; "Test Manual APIs › 2" ("Sent to all active customers")'),

  // ── customer lifecycle and engagement ───────────────────────────────────────────
  rule('customer.registered', null, null, 'CUSTOMER', ['WHATSAPP'], 'customer.registration_confirmation',
    'WNS "Phase 2" 7 "Registration Confirmation → Customer (auto)"; REC "Notification Routing Rules" 4'),
  rule('customer.registered', null, null, 'CUSTOMER_SERVICE_GROUP', ['WHATSAPP'], 'customer.new_registration',
    'REC "Master data: WhatsApp groups" (Customer Service | customer_service | new_registration)'),
  rule('customer.activated', null, null, 'CUSTOMER', ['WHATSAPP'], 'customer.welcome',
    'WNS "API Endpoints › 5. Welcome Message › Use: After customer activation"; REC "Option A" use case 3'),
  rule('installation.schedule', null, null, 'CUSTOMER', ['WHATSAPP'], 'installation.schedule',
    'WNS "Phase 2" 5 "Installation Schedule → Customer"'),
  rule('upgrade.offer', null, null, 'CUSTOMER', ['WHATSAPP'], 'upgrade.offer',
    'WNS "API Endpoints › 6. Upgrade Offer"'),
  rule('survey.satisfaction', null, null, 'CUSTOMER', ['WHATSAPP'], 'survey.satisfaction',
    'WNS "API Endpoints › 7. Satisfaction Survey"'),
  rule('system.alert', null, null, 'NOC_GROUP', ['WHATSAPP'], 'system.alert',
    'REC "Notification Routing Rules" 6 "System Alert → WhatsApp Group (to NOC group)"; REC "Master data" (NOC Team)'),
];

function rule(
  notificationType: string,
  ticketType: RoutingRuleInput['ticketType'],
  escalationLevel: RoutingRuleInput['escalationLevel'],
  audience: RoutingRuleInput['audience'],
  channels: RoutingRuleInput['channels'],
  templateKey: string,
  source: string,
  enabled = true,
): RoutingRuleInput {
  return { notificationType, ticketType, escalationLevel, audience, channels, templateKey, enabled, source };
}

/** The default rules, validated (a bad row fails at start-up, and in the unit tests). */
export function defaultRoutingRules(): RoutingRule[] {
  return DEFAULT_ROUTING_RULE_INPUTS.map(buildRoutingRule);
}

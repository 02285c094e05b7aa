import { DefaultTemplate, SEED_CASE_WORKFLOW, SEED_CUSTOMER_NOTIFICATION, SEED_RECOMMENDATION, SEED_TICKET_SMS, lines } from './default-template';

/**
 * WhatsApp messages to staff: technicians (job offer and the "press 1" flow, assignment,
 * weekly performance is in engagement.templates.ts), supervisors (SLA warning), managers
 * (daily summary) and escalations.
 */
const RECOMMENDATION_TEMPLATES = '3. Template Messages / Recommended Templates';
const FLOW_NOTE =
  'The seeds describe the flow (customer-notification-system.md "Flow Diagram": the technician presses "1" to take, "1" to start, "1" to complete) but give no technician text; written in the seeds\' style.';

/** The built-in texts the reply flow's templates reproduce (and fall back to). */
const BUILT_IN_NOTE =
  'Same text as the gateway\'s built-in answer (services/gateway/src/application/replies/reply-texts.ts, REPLY_TEXTS), which it sends when the template cannot be rendered; dates in its form (22/11/2026 17:15 WIB: the standard `date` filter, in WIB).';
/** What the gateway's reply flow renders the technician.job_* templates with. */
const REPLY_FLOW_VARIABLES =
  'The reply flow gives ticket_number, status, technician_name, customer_name, customer_phone, address, description, zone, priority, created_at, sla_deadline ("" without one), and when known started_at, completed_at, duration_minutes; a template needing another variable gets the built-in text sent instead.';
/** `date` filter format of the reply flow's texts: `22/11/2026 17:15` (the engine's zone is WIB). */
const REPLY_DATE = '"%d/%m/%Y %H:%M"';

/** Sample values of `sla.warning`, the same for its WhatsApp and SMS versions. */
const SLA_WARNING_SAMPLE = {
  ticket_number: 'TKT005',
  status: 'OPEN',
  sla_deadline: '2026-11-22T13:15:00+07:00',
  remaining_minutes: 120,
};

/** The seed's escalated_lead example values (case-workflow-whatsapp-bot-plan.md §5), shared by the WhatsApp and SMS versions. */
const ESCALATION_SAMPLE = {
  system_name: 'GUESTBOOK',
  case_code: 'ABC123',
  org_unit: 'Bidang APTIKA',
  summary: '...',
  detail_url: 'https://.../admin/cases/<id>',
};

/** Sample values of `technician.ticket_reassigned` (WhatsApp and SMS). */
const REASSIGNED_SAMPLE = { ticket_number: 'GGN-20261122-0042', customer_name: 'Budi Santoso', technician_name: 'Rudi Hartono' };

/** Sample values of `technician.offer_cancelled` (WhatsApp and SMS). */
const OFFER_CANCELLED_SAMPLE = { ticket_number: 'GGN-20261122-0042', zone: 'Karawang', cancellation_reason: 'Duplikat laporan' };

export const STAFF_TEMPLATES: readonly DefaultTemplate[] = [
  {
    key: 'technician.job_offer',
    channel: 'WHATSAPP',
    locale: 'id',
    description:
      'To each active technician of the zone when a ticket is created: the offer and how to reply (1 take, 1 start, 1 complete).',
    body: lines(
      '🆕 TICKET BARU!',
      '{{ ticket_number }} - {{ description | truncate: 2000 }}',
      'Lokasi: {{ zone }}',
      'Priority: {{ priority | capitalize }}',
      'Siapa yang available?',
      '',
      '👉 Balas *1* untuk mengambil tiket ini.',
      'Setelah diambil, balas *1* untuk mulai bekerja, lalu *1* lagi setelah pekerjaan selesai.',
    ),
    sampleVariables: { ticket_number: 'TKT001', description: 'Installation FTTH', zone: 'Karawang', priority: 'high' },
    source: {
      seed: SEED_RECOMMENDATION,
      section: 'Option B / Use Cases / 1. New Ticket Alert',
      fidelity: 'adapted',
      note: `The first five lines are the seed's new-ticket alert (without its indentation and quotes); the reply instructions are added. ${FLOW_NOTE}`,
    },
  },
  {
    key: 'technician.job_taken',
    channel: 'WHATSAPP',
    locale: 'id',
    description: 'Reply to the technician who pressed 1 and got the ticket: the customer details and the next step.',
    body: lines(
      '✅ *PEKERJAAN BERHASIL DIAMBIL*',
      '',
      '🎫 Nomor: {{ ticket_number }}',
      '👤 Pelanggan: {{ customer_name | default: "-" }}',
      '📞 Kontak: {% if customer_phone %}{{ customer_phone | phone }}{% else %}-{% endif %}',
      '📍 Alamat: {{ address | default: "-" }}',
      '🔧 Masalah: {{ description | default: "-" | truncate: 2000 }}',
      '{%- if sla_deadline %}',
      `⏳ Batas SLA: {{ sla_deadline | date: ${REPLY_DATE} }} WIB`,
      '{%- endif %}',
      '⏰ Status: ASSIGNED',
      '',
      'Pelanggan akan diberi tahu. Balas *1* saat Anda mulai mengerjakan.',
    ),
    sampleVariables: {
      ticket_number: 'GGN-20261122-0042',
      status: 'ASSIGNED',
      technician_name: 'Ahmad Fauzi',
      customer_name: 'Budi Santoso',
      customer_phone: '6281398765432',
      address: 'Jl. Tuparev No. 45, Karawang Barat',
      description: 'Internet mati total sejak pagi',
      zone: 'Karawang',
      priority: 'high',
      created_at: '2026-11-22T08:10:00+07:00',
      sla_deadline: '2026-11-22T17:15:00+07:00',
    },
    source: {
      seed: SEED_CUSTOMER_NOTIFICATION,
      section: 'Integration Points / Technician Takes Job (Button "1")',
      fidelity: 'authored',
      note: `${FLOW_NOTE} ${BUILT_IN_NOTE} The problem is cut at 2000 characters so the message always fits. ${REPLY_FLOW_VARIABLES}`,
    },
  },
  {
    key: 'technician.job_started',
    channel: 'WHATSAPP',
    locale: 'id',
    description:
      'To the technician when their ticket goes in progress: the reply to their 1 on an assigned ticket, or the notice when a dispatcher starts it (ticket.started); the next step.',
    body: lines(
      '🚀 *PEKERJAAN DIMULAI*',
      '',
      '🎫 Nomor: {{ ticket_number }}',
      '⏰ Status: IN PROGRESS',
      `🕐 Dimulai: {{ started_at | date: ${REPLY_DATE} }} WIB`,
      '',
      'Balas *1* jika pekerjaan sudah selesai.',
    ),
    sampleVariables: {
      ticket_number: 'GGN-20261122-0042',
      status: 'IN_PROGRESS',
      technician_name: 'Ahmad Fauzi',
      customer_name: 'Budi Santoso',
      started_at: '2026-11-22T10:05:00+07:00',
    },
    source: {
      seed: SEED_CUSTOMER_NOTIFICATION,
      section: 'Integration Points / Technician Starts Job (Button "1" on assigned job)',
      fidelity: 'authored',
      note: `${FLOW_NOTE} ${BUILT_IN_NOTE} Also what the routing sends the technician on ticket.started (a dispatcher started the ticket), with the ticket event's variables. ${REPLY_FLOW_VARIABLES}`,
    },
  },
  {
    key: 'technician.job_completed',
    channel: 'WHATSAPP',
    locale: 'id',
    description: 'Reply to the technician who pressed 1 on a ticket in progress: work recorded as completed.',
    body: lines(
      '✅ *PEKERJAAN SELESAI*',
      '',
      '🎫 Nomor: {{ ticket_number }}',
      '✅ Status: COMPLETED',
      `🕐 Selesai: {{ completed_at | date: ${REPLY_DATE} }} WIB`,
      '',
      'Terima kasih! Pelanggan akan diberi tahu.',
    ),
    sampleVariables: {
      ticket_number: 'GGN-20261122-0042',
      status: 'COMPLETED',
      technician_name: 'Ahmad Fauzi',
      customer_name: 'Budi Santoso',
      started_at: '2026-11-22T10:05:00+07:00',
      completed_at: '2026-11-22T11:40:00+07:00',
      duration_minutes: 95,
    },
    source: {
      seed: SEED_CUSTOMER_NOTIFICATION,
      section: 'Integration Points / Technician Completes Job (Button "1" on in-progress job)',
      fidelity: 'authored',
      note: `${FLOW_NOTE} ${BUILT_IN_NOTE} ${REPLY_FLOW_VARIABLES}`,
    },
  },
  {
    key: 'technician.job_unavailable',
    channel: 'WHATSAPP',
    locale: 'id',
    description:
      'Reply to a technician whose 1 did not move the ticket: another technician took it, it changed meanwhile, it was cancelled or completed, or it is outside their work zones. Nothing changed.',
    body: lines(
      '{% if changed_meanwhile -%}',
      '⚠️ Status tiket {{ ticket_number }} baru saja berubah, jadi balasan Anda tidak diproses. Tidak ada perubahan. Balas *1* lagi untuk melanjutkan.',
      '{%- elsif taken_by_other -%}',
      '⚠️ Maaf, tiket {{ ticket_number }} sudah diambil teknisi lain. Tidak ada perubahan. Balas *1* lagi untuk pekerjaan berikutnya bila ada.',
      '{%- else -%}',
      '⚠️ Tiket {{ ticket_number }} {% if status == "CANCELLED" %}sudah dibatalkan{% elsif status == "COMPLETED" %}sudah selesai{% else %}berada di luar area kerja Anda{% endif %}, jadi balasan Anda tidak diproses. Tidak ada perubahan. Balas *1* lagi untuk pekerjaan Anda yang lain bila ada.',
      '{%- endif %}',
    ),
    sampleVariables: {
      ticket_number: 'GGN-20261122-0042',
      status: 'ASSIGNED',
      taken_by_other: true,
      changed_meanwhile: false,
      technician_name: 'Ahmad Fauzi',
      zone: 'Karawang',
    },
    source: {
      seed: SEED_CUSTOMER_NOTIFICATION,
      section: 'Integration Points / Technician Takes Job (Button "1")',
      fidelity: 'authored',
      note:
        `${FLOW_NOTE} ${BUILT_IN_NOTE} One template for every "1" that changes nothing about the ticket it answers; the body picks the wording: ` +
        'changed_meanwhile (a start or complete lost to another change), else taken_by_other (another technician holds it or took it first), ' +
        'else by status (CANCELLED, COMPLETED; OPEN: outside their work zones). ' +
        `${REPLY_FLOW_VARIABLES} Here also taken_by_other and changed_meanwhile (true / false).`,
    },
  },
  {
    key: 'technician.ticket_cancelled',
    channel: 'WHATSAPP',
    locale: 'id',
    description: 'To the assigned technician when their ticket is cancelled (CancelTicket by a dispatcher): stop the work.',
    body: lines(
      '❌ *TIKET DIBATALKAN*',
      '',
      'Tiket {{ ticket_number }} ({{ customer_name }}) telah dibatalkan.',
      '📝 Alasan: {{ cancellation_reason | default: "-" }}',
      '',
      'Pekerjaan untuk tiket ini tidak perlu dilanjutkan. Terima kasih.',
    ),
    sampleVariables: { ticket_number: 'GGN-20261122-0042', customer_name: 'Budi Santoso', cancellation_reason: 'Duplikat laporan' },
    source: {
      seed: SEED_TICKET_SMS,
      section: 'Overview; Supported Events / ticket_status_change',
      fidelity: 'authored',
      note: 'The seed sends the assigned technician every status change ("to both customers and assigned technicians") but has no cancellation text; written in the style of ticket.cancelled.disturbance.',
    },
  },
  {
    key: 'technician.offer_cancelled',
    channel: 'WHATSAPP',
    locale: 'id',
    description: 'To each technician a job offer reached when the ticket is cancelled before anyone took it: no need to take it.',
    body: lines(
      '❌ *TIKET DIBATALKAN*',
      '',
      'Tiket {{ ticket_number }} di {{ zone }} yang ditawarkan kepada Anda telah dibatalkan sebelum diambil.',
      '📝 Alasan: {{ cancellation_reason | default: "-" }}',
      '',
      'Tiket ini tidak perlu diambil lagi. Terima kasih.',
    ),
    sampleVariables: OFFER_CANCELLED_SAMPLE,
    source: {
      seed: SEED_CUSTOMER_NOTIFICATION,
      section: 'Integration Points / Job Creation (Admin Input)',
      fidelity: 'authored',
      note: 'The seeds offer a new job to all active technicians but do not say what they hear when it is cancelled before anyone takes it; told so nobody answers "1" or drives to it. Written in the style of technician.ticket_cancelled.',
    },
  },
  {
    key: 'technician.offer_cancelled',
    channel: 'SMS',
    locale: 'id',
    description: 'SMS to each technician a job offer reached when the ticket is cancelled before anyone took it.',
    body: 'Tiket #{{ ticket_number }} di {{ zone }} yang ditawarkan kepada Anda telah dibatalkan. Tidak perlu diambil lagi.',
    sampleVariables: OFFER_CANCELLED_SAMPLE,
    source: {
      seed: SEED_CUSTOMER_NOTIFICATION,
      section: 'Integration Points / Job Creation (Admin Input)',
      fidelity: 'authored',
      note: 'The WhatsApp text in one GSM-7 line, in the style of the seed\'s technician status-change SMS.',
    },
  },
  {
    key: 'technician.ticket_reassigned',
    channel: 'WHATSAPP',
    locale: 'id',
    description: 'To the technician a ticket was reassigned away from (AssignTicket with reassign): the job is no longer theirs.',
    body: lines(
      '🔄 *TIKET DIALIHKAN*',
      '',
      'Tiket {{ ticket_number }} ({{ customer_name }}) telah dialihkan ke teknisi lain{% if technician_name %}: {{ technician_name }}{% endif %}.',
      '',
      'Anda tidak perlu menanganinya lagi. Terima kasih.',
    ),
    sampleVariables: REASSIGNED_SAMPLE,
    source: {
      seed: SEED_TICKET_SMS,
      section: 'Overview; Supported Events / ticket_status_change',
      fidelity: 'authored',
      note: 'The seeds have no reassignment; the technician it is taken from is told so nobody drives to a job that is no longer theirs. Written in the style of technician.ticket_cancelled.',
    },
  },
  {
    key: 'technician.ticket_reassigned',
    channel: 'SMS',
    locale: 'id',
    description: 'SMS to the technician a ticket was reassigned away from.',
    body: 'Tiket #{{ ticket_number }} untuk {{ customer_name }} telah dialihkan ke teknisi lain{% if technician_name %}: {{ technician_name }}{% endif %}. Anda tidak perlu menanganinya lagi.',
    sampleVariables: REASSIGNED_SAMPLE,
    source: {
      seed: SEED_TICKET_SMS,
      section: 'Overview; Supported Events / ticket_status_change',
      fidelity: 'authored',
      note: 'The WhatsApp text in one GSM-7 line, in the style of the seed\'s technician status-change SMS.',
    },
  },
  {
    key: 'technician.ticket_assigned',
    channel: 'WHATSAPP',
    locale: 'id',
    description: 'To the technician when a supervisor or admin assigns a ticket to them (AssignTicket).',
    body: lines(
      '🎫 *TICKET BARU ASSIGNED*',
      '',
      'Ticket: {{ ticket_number }}',
      'Customer: {{ customer_name }}',
      'Lokasi: {{ location }}',
      'Issue: {{ issue_type | truncate: 2000 }}',
      'Priority: {{ priority | capitalize }}',
      '',
      '📍 {{ address }}',
      '📞 {{ customer_phone | phone }}{% if ticket_url %}',
      '',
      '🔗 Detail: {{ ticket_url | url }}{% endif %}',
    ),
    sampleVariables: {
      ticket_number: 'TKT001',
      customer_name: 'PT. ABC',
      location: 'Karawang',
      issue_type: 'Installation FTTH',
      priority: 'high',
      address: 'Jl. Tuparev No. 45, Karawang Barat',
      customer_phone: '6281398765432',
      ticket_url: 'https://portal.aglis.biz.id/tickets/TKT001',
    },
    source: {
      seed: SEED_RECOMMENDATION,
      section: `${RECOMMENDATION_TEMPLATES} / Template 1: Ticket Assignment`,
      fidelity: 'verbatim',
      note: '`TKT{ticket_id}` became `{{ ticket_number }}` (the full ticket number, e.g. TKT001).',
    },
  },
  {
    key: 'sla.warning',
    channel: 'WHATSAPP',
    locale: 'id',
    description:
      'To the supervisors (and the assigned technician) when a ticket nears its SLA deadline (scheduler, every 15 minutes).',
    body: lines(
      '⚠️ *SLA WARNING*',
      '',
      'Ticket: {{ ticket_number }}',
      'Status: {{ status }}',
      'Assigned: {{ technician_name | default: "Belum assigned" }}',
      'Deadline: {{ sla_deadline | datetime }}',
      'Remaining: {{ remaining_minutes | duration }}',
      '',
      '⚡ ACTION REQUIRED!',
    ),
    sampleVariables: SLA_WARNING_SAMPLE,
    source: {
      seed: SEED_RECOMMENDATION,
      section: `${RECOMMENDATION_TEMPLATES} / Template 2: SLA Warning`,
      fidelity: 'verbatim',
      note: 'technician_name is optional: "Belum assigned" when absent, as in the seed\'s Option B SLA alert; remaining time is given in minutes.',
    },
  },
  {
    key: 'sla.warning',
    channel: 'SMS',
    locale: 'id',
    description: 'SMS fallback of the SLA warning (HIGH or URGENT) to a supervisor or technician when WhatsApp cannot deliver it.',
    body: 'SLA WARNING: Ticket {{ ticket_number }} ({{ status }}), teknisi: {{ technician_name | default: "belum assigned" }}. Deadline: {{ sla_deadline | datetime }}, sisa {{ remaining_minutes | duration }}. ACTION REQUIRED!',
    sampleVariables: SLA_WARNING_SAMPLE,
    source: {
      seed: SEED_RECOMMENDATION,
      section: `${RECOMMENDATION_TEMPLATES} / Template 2: SLA Warning`,
      fidelity: 'adapted',
      note: 'The seed\'s WhatsApp text in one GSM-7 line without emoji, so the warning can fall back to SMS (README: HIGH and URGENT messages may fall back from WhatsApp to SMS).',
    },
  },
  {
    key: 'summary.daily',
    channel: 'WHATSAPP',
    locale: 'id',
    description: 'To managers and supervisors every day at 18:00 WIB (scheduler).',
    body: lines(
      '📊 *DAILY REPORT*',
      '{{ date | date_long }}',
      '',
      'Total Tickets: {{ total }}',
      '✅ Completed: {{ completed }}',
      '🔄 In Progress: {{ in_progress }}',
      '📋 Assigned: {{ assigned }}',
      '🆕 Open: {{ open }}',
      '{%- if cancelled > 0 %}',
      '❌ Cancelled: {{ cancelled }}',
      '{%- endif %}',
      '',
      'SLA Compliance: {% if resolved == 0 %}-{% else %}{{ sla_compliance }}%{% endif %}',
      'Avg Resolution: {% if resolved == 0 %}-{% else %}{{ avg_resolution_hours }}h{% endif %}',
      '{%- if overdue_tickets.size > 0 %}',
      '',
      '⚠️ *Overdue:*',
      '{%- for ticket in overdue_tickets %}',
      '• {{ ticket.number }} - {{ ticket.technician | default: "Belum assigned" }}',
      '{%- endfor %}',
      '{%- if overdue_more > 0 %}',
      '• +{{ overdue_more }} tiket lainnya',
      '{%- endif %}',
      '{%- endif %}',
    ),
    sampleVariables: {
      date: '2026-11-22',
      total: 25,
      completed: 18,
      in_progress: 4,
      assigned: 2,
      open: 1,
      sla_compliance: 95,
      avg_resolution_hours: 2.5,
    },
    source: {
      seed: SEED_RECOMMENDATION,
      section: `${RECOMMENDATION_TEMPLATES} / Template 3: Daily Summary`,
      fidelity: 'verbatim',
      note: 'Optional list `overdue_tickets` ({number, technician}; the scheduler sends the open tickets past their deadline, at most 20, and `overdue_more` for the rest) appended after the seed text when non-empty (whatsapp-notification-system-complete.md: the summary covers tickets, technicians, SLA, issues), and a `❌ Cancelled: n` line after Open when some of the day\'s tickets were cancelled, so the lines add up to the total (QA: "Total Tickets: 9" over lines adding up to 7), and `-` for SLA Compliance and Avg Resolution when no ticket was completed that day (optional `resolved`, the tickets completed that day, 0: QA, "SLA Compliance: 0%" read as every ticket late); without them the seed text is reproduced.',
    },
  },
  {
    key: 'case.escalation.lead',
    channel: 'WHATSAPP',
    locale: 'id',
    description: 'To the lead (Kabid/Kasubbag/Koordinator; for tickets: the zone supervisor) when a case is escalated.',
    body: lines(
      '[{{ system_name }}] Eskalasi Case {{ case_code }}',
      'Org Unit: {{ org_unit }}',
      'Ringkas: {{ summary | truncate: 2000 }}{% if detail_url %}',
      '',
      'Detail: {{ detail_url | url }}{% endif %}',
    ),
    sampleVariables: ESCALATION_SAMPLE,
    source: {
      seed: SEED_CASE_WORKFLOW,
      section: '5. Message Template (Text) / Template example: `escalated_lead`',
      fidelity: 'verbatim',
      note: 'The bracketed tag `[GUESTBOOK]` became the variable system_name so the text fits ticket escalations too.',
    },
  },
  {
    key: 'case.escalation.lead',
    channel: 'SMS',
    locale: 'id',
    description: 'SMS fallback of the escalation to the lead (a HIGH or URGENT ticket) when WhatsApp cannot deliver it.',
    body: '[{{ system_name }}] Eskalasi Case {{ case_code }}. Org Unit: {{ org_unit }}. Ringkas: {{ summary | truncate: 100 }}{% if detail_url %} Detail: {{ detail_url | url }}{% endif %}',
    sampleVariables: ESCALATION_SAMPLE,
    source: {
      seed: SEED_CASE_WORKFLOW,
      section: '5. Message Template (Text) / Template example: `escalated_lead`',
      fidelity: 'adapted',
      note: 'The WhatsApp text on one line, the summary cut to 100 characters (one or two segments with a link), so an escalation of a HIGH or URGENT ticket can fall back to SMS (README: HIGH and URGENT messages may fall back from WhatsApp to SMS).',
    },
  },
  {
    key: 'case.escalation.head',
    channel: 'WHATSAPP',
    locale: 'id',
    description: 'To the head (Kepala Dinas; for tickets: the manager) when a case is escalated to the top.',
    body: lines(
      '[{{ system_name }}] Eskalasi Kadis Case {{ case_code }}',
      'Org Unit: {{ org_unit }}',
      'Ringkas: {{ summary | truncate: 2000 }}{% if detail_url %}',
      '',
      'Detail: {{ detail_url | url }}{% endif %}',
    ),
    sampleVariables: ESCALATION_SAMPLE,
    source: {
      seed: SEED_CASE_WORKFLOW,
      section: '4.3 On escalation to kadis',
      fidelity: 'adapted',
      note: 'The seed defines the trigger but shows only the lead text; this is that text with "Eskalasi Kadis" (the seed\'s own term, Phase A "Eskalasi kadis").',
    },
  },
  {
    key: 'case.escalation.head',
    channel: 'SMS',
    locale: 'id',
    description: 'SMS fallback of the escalation to the head (a HIGH or URGENT ticket) when WhatsApp cannot deliver it.',
    body: '[{{ system_name }}] Eskalasi Kadis Case {{ case_code }}. Org Unit: {{ org_unit }}. Ringkas: {{ summary | truncate: 100 }}{% if detail_url %} Detail: {{ detail_url | url }}{% endif %}',
    sampleVariables: ESCALATION_SAMPLE,
    source: {
      seed: SEED_CASE_WORKFLOW,
      section: '4.3 On escalation to kadis',
      fidelity: 'adapted',
      note: 'The head\'s WhatsApp text on one line, the summary cut to 100 characters (one or two segments with a link), so an escalation of a HIGH or URGENT ticket can fall back to SMS.',
    },
  },
];

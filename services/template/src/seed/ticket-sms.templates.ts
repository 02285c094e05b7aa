import { Locale } from '../domain/template-ref';
import { DefaultTemplate, SEED_TICKET_SMS, SeedSource } from './default-template';

/**
 * SMS versions of the ticket messages (ticket-sms-notifications.md, "SMS Message Examples"),
 * in `en` as written there and in `id` (translated). They use the same keys as the WhatsApp
 * messages for the same moment and recipient, so a WhatsApp → SMS fallback only changes the
 * channel:
 *
 * | seed example                        | key                                    |
 * |-------------------------------------|----------------------------------------|
 * | Ticket Created → Customer           | ticket.created.{disturbance,installation} |
 * | Ticket Assigned → Customer          | ticket.assigned.{…}                    |
 * | Ticket Status Change → Customer     | ticket.started.{…} (status in-progress) |
 * | Ticket Closed → Customer            | ticket.completed.{…}                   |
 * | (none: status change to cancelled)  | ticket.cancelled.{…} (adapted)         |
 * | Ticket Created → Technician         | technician.job_offer                   |
 * | Ticket Assigned → Technician        | technician.ticket_assigned             |
 * | Ticket Status Change → Technician   | technician.job_started                 |
 * | (none: status change to cancelled)  | technician.ticket_cancelled (adapted)  |
 *
 * The seed's SMS texts do not name the ticket type, so the disturbance and installation keys
 * carry the same text. The ticket's description, completion notes and cancellation reason are
 * cut at 300 characters (`truncate: 300`, ending "..."): an SMS is paid per segment and holds
 * at most 1600 characters, and they may be 4201, 2000 and 2000. Sample variables are the seed's example values (John Doe,
 * TKT-2024-001, Jane Doe, 254712345678 …); phone numbers are E.164 digits and the `phone`
 * filter adds the `+` where the seed shows one.
 */
const SECTION = 'SMS Message Examples';

const sample = {
  customer_name: 'John Doe',
  ticket_number: 'TKT-2024-001',
  description: 'Internet not working',
  technician_name: 'Jane Doe',
  technician_phone: '254798765432',
  customer_phone: '254712345678',
  priority: 'high',
  completion_notes: 'Issue was resolved by restarting the modem',
  cancellation_reason: 'Duplicate request',
};

type Step = 'created' | 'assigned' | 'started' | 'completed' | 'cancelled';

interface SmsText {
  readonly body: Record<Locale, string>;
  readonly variables: readonly (keyof typeof sample)[];
  readonly section: string;
  /** Fidelity of the `en` text; the `id` one is always `translated`. */
  readonly en: SeedSource['fidelity'];
  readonly note?: string;
}

const CUSTOMER: Record<Step, SmsText> = {
  created: {
    body: {
      en: 'Hi {{ customer_name | first_name }}, your support ticket #{{ ticket_number }} has been created. Issue: {{ description | sentence | truncate: 300 }} {% if technician_name %}Technician: {{ technician_name }} will contact you shortly.{% else %}A technician will contact you shortly.{% endif %}',
      id: 'Halo {{ customer_name | first_name }}, tiket Anda #{{ ticket_number }} telah dibuat. Masalah: {{ description | sentence | truncate: 300 }} {% if technician_name %}Teknisi: {{ technician_name }} akan segera menghubungi Anda.{% else %}Teknisi kami akan segera menghubungi Anda.{% endif %}',
    },
    variables: ['customer_name', 'ticket_number', 'description', 'technician_name'],
    section: `${SECTION} / Ticket Created / To Customer`,
    en: 'verbatim',
    note: 'technician_name is optional (the seed assigns one at creation only sometimes): without it the last sentence is "A technician will contact you shortly." (authored).',
  },
  assigned: {
    body: {
      en: 'Hi {{ customer_name | first_name }}, your ticket #{{ ticket_number }} has been assigned to {{ technician_name }}. They will contact you at {{ technician_phone | phone }} shortly.',
      id: 'Halo {{ customer_name | first_name }}, tiket Anda #{{ ticket_number }} telah ditugaskan kepada {{ technician_name }}. Teknisi akan segera menghubungi Anda di {{ technician_phone | phone }}.',
    },
    variables: ['customer_name', 'ticket_number', 'technician_name', 'technician_phone'],
    section: `${SECTION} / Ticket Assigned / To Customer`,
    en: 'verbatim',
  },
  started: {
    body: {
      en: "Hi {{ customer_name | first_name }}, your ticket #{{ ticket_number }} status has been updated to in-progress. We'll keep you posted on the progress.",
      id: 'Halo {{ customer_name | first_name }}, status tiket Anda #{{ ticket_number }} telah diperbarui menjadi sedang dikerjakan. Kami akan terus mengabarkan perkembangannya.',
    },
    variables: ['customer_name', 'ticket_number'],
    section: `${SECTION} / Ticket Status Change / To Customer`,
    en: 'verbatim',
  },
  completed: {
    body: {
      en: 'Hi {{ customer_name | first_name }}, your ticket #{{ ticket_number }} has been resolved and closed. {% if completion_notes %}Resolution: {{ completion_notes | sentence | truncate: 300 }} {% endif %}Thank you for choosing us!',
      id: 'Halo {{ customer_name | first_name }}, tiket Anda #{{ ticket_number }} telah diselesaikan dan ditutup. {% if completion_notes %}Penyelesaian: {{ completion_notes | sentence | truncate: 300 }} {% endif %}Terima kasih telah memilih layanan kami!',
    },
    variables: ['customer_name', 'ticket_number', 'completion_notes'],
    section: `${SECTION} / Ticket Closed / To Customer`,
    en: 'verbatim',
    note: 'completion_notes is optional: without it the "Resolution:" sentence is left out.',
  },
  cancelled: {
    body: {
      en: 'Hi {{ customer_name | first_name }}, your ticket #{{ ticket_number }} has been cancelled.{% if cancellation_reason %} Reason: {{ cancellation_reason | sentence | truncate: 300 }}{% endif %} Contact us if you still need help.',
      id: 'Halo {{ customer_name | first_name }}, tiket Anda #{{ ticket_number }} telah dibatalkan.{% if cancellation_reason %} Alasan: {{ cancellation_reason | sentence | truncate: 300 }}{% endif %} Hubungi kami jika Anda masih membutuhkan bantuan.',
    },
    variables: ['customer_name', 'ticket_number', 'cancellation_reason'],
    section: `${SECTION} / Ticket Status Change / To Customer`,
    en: 'adapted',
    note: 'The seed sends cancellations as a generic status change; this text is written in the style of its examples (cancellation_reason optional).',
  },
};

const TECHNICIAN: Record<'technician.job_offer' | 'technician.ticket_assigned' | 'technician.job_started' | 'technician.ticket_cancelled', SmsText> = {
  'technician.job_offer': {
    body: {
      en: 'New ticket #{{ ticket_number }} for {{ customer_name }}. Priority: {{ priority | downcase }}. Issue: {{ description | sentence | truncate: 300 }} Contact: {{ customer_phone | phone }}',
      id: 'Tiket baru #{{ ticket_number }} untuk {{ customer_name }}. Prioritas: {{ priority | capitalize }}. Masalah: {{ description | sentence | truncate: 300 }} Kontak: {{ customer_phone | phone }}',
    },
    variables: ['ticket_number', 'customer_name', 'priority', 'description', 'customer_phone'],
    section: `${SECTION} / Ticket Created / To Technician`,
    en: 'verbatim',
    note: 'The seed\'s SMS has no reply instructions; the "press 1" flow is WhatsApp only.',
  },
  'technician.ticket_assigned': {
    body: {
      en: 'Ticket #{{ ticket_number }} assigned to you. Customer: {{ customer_name | first_name }} ({{ customer_phone }}). Priority: {{ priority | downcase }}. {{ description | truncate: 300 }}',
      id: 'Tiket #{{ ticket_number }} ditugaskan kepada Anda. Pelanggan: {{ customer_name | first_name }} ({{ customer_phone }}). Prioritas: {{ priority | capitalize }}. {{ description | truncate: 300 }}',
    },
    variables: ['ticket_number', 'customer_name', 'customer_phone', 'priority', 'description'],
    section: `${SECTION} / Ticket Assigned / To Technician`,
    en: 'verbatim',
  },
  'technician.job_started': {
    body: {
      en: 'Ticket #{{ ticket_number }} for {{ customer_name }} status changed to in-progress.',
      id: 'Status tiket #{{ ticket_number }} untuk {{ customer_name }} berubah menjadi sedang dikerjakan.',
    },
    variables: ['ticket_number', 'customer_name'],
    section: `${SECTION} / Ticket Status Change / To Technician`,
    en: 'verbatim',
  },
  'technician.ticket_cancelled': {
    body: {
      en: 'Ticket #{{ ticket_number }} for {{ customer_name }} status changed to cancelled.',
      id: 'Status tiket #{{ ticket_number }} untuk {{ customer_name }} berubah menjadi dibatalkan.',
    },
    variables: ['ticket_number', 'customer_name'],
    section: `${SECTION} / Ticket Status Change / To Technician`,
    en: 'adapted',
    note: 'The seed\'s technician status-change text with the status "cancelled" (its example shows "in-progress").',
  },
};

const TICKET_TYPES = [
  ['disturbance', 'GANGGUAN (disturbance)'],
  ['installation', 'PSB (installation)'],
] as const;

const STEP_DESCRIPTION: Record<Step, string> = {
  created: 'is created',
  assigned: 'is assigned to a technician',
  started: 'is started (status in-progress)',
  completed: 'is completed (resolved and closed)',
  cancelled: 'is cancelled',
};

function entry(key: string, locale: Locale, text: SmsText, description: string): DefaultTemplate {
  return {
    key,
    channel: 'SMS',
    locale,
    description,
    body: text.body[locale],
    sampleVariables: Object.fromEntries(text.variables.map((v) => [v, sample[v]])),
    source: {
      seed: SEED_TICKET_SMS,
      section: text.section,
      fidelity: locale === 'en' ? text.en : 'translated',
      ...(text.note ? { note: text.note } : {}),
    },
  };
}

export const TICKET_SMS_TEMPLATES: readonly DefaultTemplate[] = [
  ...TICKET_TYPES.flatMap(([type, label]) =>
    (Object.keys(CUSTOMER) as Step[]).flatMap((step) =>
      (['en', 'id'] as const).map((locale) =>
        entry(`ticket.${step}.${type}`, locale, CUSTOMER[step], `SMS to the customer when a ${label} ticket ${STEP_DESCRIPTION[step]}.`),
      ),
    ),
  ),
  ...(Object.keys(TECHNICIAN) as (keyof typeof TECHNICIAN)[]).flatMap((key) =>
    (['en', 'id'] as const).map((locale) =>
      entry(
        key,
        locale,
        TECHNICIAN[key],
        {
          'technician.job_offer': 'SMS to technicians when a ticket is created.',
          'technician.ticket_assigned': 'SMS to the technician a ticket is assigned to.',
          'technician.job_started': 'SMS to the technician when their ticket goes in progress.',
          'technician.ticket_cancelled': 'SMS to the technician when their ticket is cancelled.',
        }[key],
      ),
    ),
  ),
];

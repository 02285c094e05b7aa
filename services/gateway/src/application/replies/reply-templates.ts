import { joinLines } from '@notify/provider-contracts';
import { titleCase } from '../../domain';
import type { CustomerContact, Job } from './reply.ports';

/**
 * The template service's templates of the reply flow's answers about a ticket (seeded in
 * services/template/src/seed/staff.templates.ts; operators edit them with `notifyctl templates`):
 * the confirmation of each step and the answer to a "1" that cannot move the ticket. Rendered on
 * WHATSAPP in locale `id`; when the template service cannot render one (down, slow, no such
 * template, a missing variable), the flow answers with the built-in text of `REPLY_TEXTS`
 * (reply-texts.ts), which the seeded defaults reproduce.
 * `technician.job_started` is also what the routing sends the technician when a dispatcher starts
 * their ticket (`ticket.started`), so one text serves both.
 */
export const REPLY_TEMPLATE_KEYS = {
  /** OPEN → ASSIGNED: the technician took the job (REPLY_TEXTS.assigned). */
  assigned: 'technician.job_taken',
  /** ASSIGNED → IN_PROGRESS (REPLY_TEXTS.started). */
  started: 'technician.job_started',
  /** IN_PROGRESS → COMPLETED (REPLY_TEXTS.completed). */
  completed: 'technician.job_completed',
  /** The "1" did not move the ticket (REPLY_TEXTS.alreadyTaken, jobUnavailable, changedMeanwhile). */
  unavailable: 'technician.job_unavailable',
} as const;

/** What the answer knows besides the ticket. */
export interface ReplyTemplateFacts {
  /** The technician who wrote "1". */
  readonly technicianName: string;
  /** The ticket's customer; null when unknown or the directory could not answer (the customer variables are ''). */
  readonly customer: CustomerContact | null;
  /** When the work started (the ticket's, or the clock's for a start the ticket does not date). */
  readonly startedAt?: Date;
  /** When the work was completed (likewise). */
  readonly completedAt?: Date;
  /** `technician.job_unavailable` only: another technician holds the ticket (or took it first). */
  readonly takenByOther?: boolean;
  /** `technician.job_unavailable` only: a start / complete lost to another change of the ticket. */
  readonly changedMeanwhile?: boolean;
}


/**
 * The variables of a reply template, named and formatted as the ticket events' variables
 * (transport/messaging ticketVariables), so a template serves both (`technician.job_started`):
 * `ticket_number`, `status` (the ticket's status as the flow last read it: ASSIGNED /
 * IN_PROGRESS / COMPLETED after a step; for `technician.job_unavailable` the status that stopped
 * the "1", OPEN for a take lost to another technician), `technician_name`, `customer_name`,
 * `customer_phone` (E.164 digits: the `phone` filter shows `+62…`), `address`, `description`,
 * `zone` (title case), `priority` (lower case, '' when unknown), `created_at`, `sla_deadline`
 * ('' without one), and when known `started_at`, `completed_at` and `duration_minutes`; times
 * RFC 3339 (UTC). `technician.job_unavailable` gets `taken_by_other` and `changed_meanwhile` too.
 * Values are passed RAW: the template service escapes every `{{ }}` value for WhatsApp (one
 * line, no controls, markers replaced by look-alikes), so escaping them here would escape twice.
 * Free text is only joined into one line the way the built-in texts join it ({@link joinLines}:
 * "Internet mati\nSejak pagi" → "Internet mati. Sejak pagi"), so a rendered default equals the
 * built-in text.
 */
export function replyTemplateVariables(job: Job, facts: ReplyTemplateFacts): Record<string, unknown> {
  const vars: Record<string, unknown> = {
    ticket_number: job.number,
    status: job.status,
    technician_name: joinLines(facts.technicianName),
    customer_name: joinLines(facts.customer?.name ?? ''),
    customer_phone: facts.customer?.phone ?? '',
    address: joinLines(job.address),
    description: joinLines(job.description),
    zone: titleCase(job.workZone),
    priority: job.priority ?? '',
    created_at: job.createdAt.toISOString(),
    sla_deadline: job.slaDueAt ? job.slaDueAt.toISOString() : '',
  };
  if (facts.startedAt) vars['started_at'] = facts.startedAt.toISOString();
  if (facts.completedAt) vars['completed_at'] = facts.completedAt.toISOString();
  if (facts.startedAt && facts.completedAt) vars['duration_minutes'] = Math.round((facts.completedAt.getTime() - facts.startedAt.getTime()) / 60_000);
  if (facts.takenByOther !== undefined) vars['taken_by_other'] = facts.takenByOther;
  if (facts.changedMeanwhile !== undefined) vars['changed_meanwhile'] = facts.changedMeanwhile;
  return vars;
}

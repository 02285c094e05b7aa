import type { InboundMessage, WebhookProvider } from '../../transport/http/webhook-payloads';
import type { TemplateRenderer } from '../ports';

/**
 * Ports of the technician reply flow ("press 1": customer-notification-system.md, "Technician
 * Takes Job (Button "1")", "Technician Starts Job", "Technician Completes Job"). The use case
 * depends only on these; the gRPC adapters next to it implement the directory and the job
 * board over the customer and ticket services.
 */

/**
 * An inbound WhatsApp message as the reply flow reads it: the webhook's {@link InboundMessage}
 * plus, when the provider gives one, its message id (Fonnte `inboxid`, Wablas message `id`),
 * which is the idempotency key of {@link InboundDedupe}. Without `messageId` a redelivered
 * webhook cannot be recognised and is handled again.
 */
export type InboundReply = InboundMessage & { readonly messageId?: string };

/**
 * Priority of an answer (the delivery pipeline's priorities, issue 5 "Quiet hours … URGENT
 * bypasses them. A per-recipient rate limit … exempts urgent ones"):
 * - `URGENT`: the confirmation of a step the technician just made (`assigned`, `started`,
 *   `completed`): the technician is waiting for it to go on working, and it is at most one per
 *   ticket step, so it bypasses the per-recipient rate limit; and what a STOP / MULAI did
 *   (`opted_out`, `opted_in`, `already_opted_in`, `opt_out_refused`): one per such message, and
 *   a number flooded by bulk messages must hear at once that STOP worked (QA);
 * - `HIGH`: every other answer (help text, unknown sender, not a technician, nothing in reach,
 *   already taken, "try again"): these answer whatever anyone writes to the number, so the
 *   per-recipient rate limit applies to them (an auto-responder or bot writing to the number in a
 *   loop gets at most the limit of answers per window, the rest wait: ARCHITECTURE "Per-recipient
 *   rate limits guard against spam loops").
 */
export type ReplyPriority = 'URGENT' | 'HIGH';

/** Sends the confirmation / help text back to the writer. */
export interface ReplySender {
  /**
   * Sends `text` to `to` (E.164 digits without `+`, e.g. `6282291921583`) through `provider`
   * (the provider the message came in on, so the answer comes from the same WhatsApp number) at
   * `priority` (see {@link ReplyPriority}); `ticketId` (UUID) = the ticket the answer is about
   * (a step's confirmation, "already taken"), kept on the message so it is listed with that
   * ticket's deliveries; `recipient` = who the writer is in the directory, when known (kept on
   * the message, so the delivery log names them). Rejects when the message could not be handed over;
   * the reply flow logs that and still returns its result (the ticket change, if any, has
   * already happened).
   */
  sendReply(to: string, text: string, provider: WebhookProvider, priority: ReplyPriority, ticketId?: string, recipient?: ReplyRecipient): Promise<void>;
}

/**
 * At-most-once guard for inbound messages: a webhook retried by the provider (Fonnte retries a
 * non-200 answer 15 times, providers.md §1.7) carries the same message id.
 */
export interface InboundDedupe {
  /**
   * Claims (`provider`, `messageId`). Resolves true the first time this pair is claimed and
   * false every later time (the message was already handled or is being handled), so exactly one
   * delivery of a message acts. A claim is never released: a handler that fails after claiming
   * answers the technician "try again", and the technician's next "1" is a new message.
   * Rejects when the claim cannot be recorded (e.g. the database is down): the reply flow then
   * does nothing and rejects too, so the webhook answers non-200 and the provider redelivers.
   */
  claim(provider: WebhookProvider, messageId: string): Promise<boolean>;
}

/** What the reply flow did. */
export type ReplyAction =
  /** OPEN → ASSIGNED: the technician took the job offered in their work zone. */
  | 'assigned'
  /** ASSIGNED → IN_PROGRESS: the technician started their assigned job. */
  | 'started'
  /** IN_PROGRESS → COMPLETED: the technician finished their job. */
  | 'completed'
  /** The number is neither a staff member's nor a customer's: nothing changed. */
  | 'unknown_sender'
  /**
   * A registered customer wrote (any text but STOP / MULAI): nothing changed; the answer says
   * the number only sends notifications and where to get help.
   */
  | 'customer_message'
  /** The sender is staff but not an active technician: nothing changed. */
  | 'not_a_technician'
  /** "1" but no job of theirs and no OPEN job in their zones: nothing changed. */
  | 'nothing_in_reach'
  /**
   * Another technician (or another change) got there first, or the ticket of the job message the
   * "1" answers is no longer theirs to move (taken by someone else, cancelled, completed):
   * nothing changed.
   */
  | 'already_taken'
  /** The text is not "1": nothing changed, the answer explains what "1" does. */
  | 'not_a_command'
  /** STOP (or BERHENTI / UNSUBSCRIBE) from a number that is not staff: the number is opted out of WhatsApp (customer OptOut), the answer confirms it. */
  | 'opted_out'
  /** STOP from a staff member's number: not opted out (their job messages are their work), the answer says whom to ask. */
  | 'opt_out_refused'
  /** MULAI (or START / SUBSCRIBE) from a number that had opted out of WhatsApp: the opt-out is lifted (customer OptIn), the answer confirms it. */
  | 'opted_in'
  /** MULAI from a number that is not staff and had not opted out: nothing to lift, the answer says it already gets the messages. */
  | 'already_opted_in'
  /** This (provider, message id) was already handled: nothing done, nothing sent. */
  | 'duplicate'
  /** A dependency failed (unavailable, timeout, unexpected error): nothing known to have changed. */
  | 'failed';

/** Result of handling one inbound message. */
export interface ReplyResult {
  readonly action: ReplyAction;
  /** The text answered to the writer ('' when nothing is sent: `duplicate`, group chatter, no usable number). */
  readonly reply: string;
  /** The ticket acted on (UUID), for `assigned` / `started` / `completed` / `already_taken`. */
  readonly ticketId?: string;
  /** Who wrote, when the directory knows the number: a staff member, or a customer writing in (`customer_message`). */
  readonly recipient?: ReplyRecipient;
}

/** A writer the directory knows: the answer's recipient as the delivery log names them. */
export interface ReplyRecipient {
  readonly kind: 'STAFF' | 'CUSTOMER';
  /** Staff or customer id (UUID). */
  readonly id: string;
  readonly name: string;
}

/** Handles technician replies. */
export interface TechnicianReplyHandler {
  /**
   * See {@link TechnicianReplyUseCase.handle}. Failures become `failed`, except one: when the
   * message cannot be recorded ({@link InboundDedupe.claim} rejects), nothing is done or sent and
   * `handle` rejects with an UnavailableError, so the webhook answers non-200 and the provider
   * delivers the message again (Fonnte retries non-200 answers, providers.md §1.7).
   */
  handle(msg: InboundReply): Promise<ReplyResult>;
}

/**
 * Records that a number no longer wants WhatsApp messages (the customer service's OptOut,
 * customer_service.proto: "Roles: … service (the gateway on a STOP reply)"). Recipient
 * resolution then leaves the number out of WhatsApp deliveries.
 */
export interface OptOutRegistry {
  /**
   * Opts `phone` (E.164 digits without `+`) out of the WhatsApp channel with `reason` (free text,
   * ≤ 500 characters). Idempotent (an existing opt-out is kept). Rejects with UnavailableError /
   * TimeoutError when the customer service cannot answer.
   */
  optOutOfWhatsApp(phone: string, reason: string): Promise<void>;
  /**
   * Lifts `phone`'s WhatsApp opt-out (customer OptIn); resolves how many were lifted (0: it had
   * none). Rejects as {@link optOutOfWhatsApp}.
   */
  optInToWhatsApp(phone: string): Promise<number>;
}

/** A staff member as the reply flow needs it. */
export interface StaffMember {
  /** Staff id (UUID). */
  readonly id: string;
  readonly name: string;
  /** E.164 digits. */
  readonly phone: string;
  readonly isTechnician: boolean;
  readonly active: boolean;
  /** Lower-case work zone slugs; empty = all zones (customer.proto `Staff.work_zones`). */
  readonly workZones: readonly string[];
}

/** Finds a customer by phone (the customer service's GetCustomer), to answer a customer who writes in. */
export interface CustomerPhoneBook {
  /**
   * The customer with this phone (E.164 digits), or null when there is none (NOT_FOUND).
   * Rejects when the directory cannot answer.
   */
  findByPhone(phone: string): Promise<{ readonly id: string; readonly name: string; readonly optedOutOfWhatsApp: boolean } | null>;
}

/** Finds staff by phone (the customer service's GetStaff). */
export interface StaffDirectory {
  /**
   * The staff member with this phone (E.164 digits), or null when there is none (NOT_FOUND).
   * Rejects with UnavailableError / TimeoutError when the directory cannot answer.
   */
  findByPhone(phone: string): Promise<StaffMember | null>;
}

/** Lifecycle status of a job as the reply flow sees it. */
export type JobStatus = 'OPEN' | 'ASSIGNED' | 'IN_PROGRESS' | 'COMPLETED' | 'CANCELLED';

/** A ticket as the reply flow needs it. */
export interface Job {
  /** Ticket id (UUID). */
  readonly id: string;
  /** `GGN-20261122-0001` / `PSB-20261122-0001`. */
  readonly number: string;
  readonly kind: 'GANGGUAN' | 'PSB';
  readonly status: JobStatus;
  /** Optimistic-concurrency version (ticket.proto `Ticket.version`). */
  readonly version: number;
  readonly workZone: string;
  readonly address: string;
  readonly description: string;
  readonly technicianId: string;
  /** The customer the ticket is for (customer id, UUID; '' when the ticket names none). */
  readonly customerId: string;
  readonly createdAt: Date;
  readonly startedAt?: Date;
  readonly completedAt?: Date;
  /** SLA deadline (ticket.proto `Ticket.sla_due_at`), when the ticket has one. */
  readonly slaDueAt?: Date;
  /** Priority, lower-case as the templates get it (`high`); absent when unknown. */
  readonly priority?: JobPriority;
}

/** A ticket's priority as the reply flow passes it to templates (common.proto `Priority`, lower-case). */
export type JobPriority = 'low' | 'normal' | 'high' | 'urgent';

/** Who acts on the ticket: recorded in the ticket's history. */
export interface JobActor {
  readonly staffId: string;
  readonly name: string;
}

/** The ticket service as the reply flow uses it. */
export interface JobBoard {
  /** The technician's tickets in `status`, any order (ListTickets technician_id + status, all pages). */
  jobsOf(technicianId: string, status: 'ASSIGNED' | 'IN_PROGRESS'): Promise<Job[]>;
  /** One ticket by id (GetTicket), or null when it does not exist. */
  get(ticketId: string): Promise<Job | null>;
  /** OPEN tickets of a work zone (all pages); `workZone` undefined = every zone. */
  openJobs(workZone?: string): Promise<Job[]>;
  /**
   * Takes an OPEN ticket for `actor` (AssignTicket, reassign false, expected_version = job.version).
   * Rejects with FailedPreconditionError (no longer OPEN / taken) or ConflictError (version moved).
   */
  take(job: Job, actor: JobActor): Promise<Job>;
  /** ASSIGNED → IN_PROGRESS (StartTicket with expected_version). Same rejections as {@link take}. */
  start(job: Job, actor: JobActor): Promise<Job>;
  /** IN_PROGRESS → COMPLETED (CompleteTicket with expected_version, no notes). Same rejections. */
  complete(job: Job, actor: JobActor): Promise<Job>;
}

/** A customer as the take confirmation shows them to the technician. */
export interface CustomerContact {
  readonly name: string;
  /** E.164 digits without `+` (customer.proto `Customer.phone`). */
  readonly phone: string;
}

/**
 * Finds the customer of a ticket (the customer service's GetCustomer), for the take
 * confirmation: the technician who took a job by replying needs the customer's name and phone
 * (the routing leaves the actor out of `ticket.assigned`, so this confirmation is all they get).
 * The gateway's RecipientDirectory (cached GetCustomer) satisfies this port.
 */
export interface CustomerDirectory {
  /** The customer with this id, or null when there is none. Rejects when the directory cannot answer. */
  customer(id: string): Promise<CustomerContact | null>;
}

/**
 * The latest job message the gateway sent to an address: what a technician's "1" answers. See
 * {@link JobMessageLog}.
 */
export interface JobMessageRef {
  /** The ticket the message was about (UUID). */
  readonly ticketId: string;
  /** When the provider accepted it (the technician can have seen it from then on). */
  readonly sentAt: Date;
  /**
   * True when an answer of this reply flow was sent to the technician's phone after `sentAt`:
   * the technician has been answered since that message, so their next "1" is not necessarily
   * meant for it any more.
   */
  readonly answeredSince: boolean;
}

/**
 * What the gateway sent to a WhatsApp number about jobs, read back from the delivery log (the
 * `deliveries` table records the ticket and notification type of every message per recipient).
 */
export interface JobMessageLog {
  /**
   * The job message most recently sent (accepted by a provider) to `address` (E.164 digits, or a
   * group id `…@g.us`): a message about a ticket of the ticket lifecycle (the job offer of
   * `ticket.created`, the assignment, start, completion or cancellation notices, an API-sent
   * TECHNICIAN_JOB_OFFER), with whether an answer of this flow was sent to `phone` since. Null
   * when nothing of the kind was sent there. Rejects when the log cannot be read.
   */
  latest(address: string, phone: string): Promise<JobMessageRef | null>;
}

/**
 * The template service's RenderTemplate as the reply flow uses it: the pipeline's
 * {@link TemplateRenderer} (`render(key, channel, locale, variables)`; the gateway's
 * GrpcTemplateRenderer), so operators' edits of the reply templates (reply-templates.ts) take
 * effect. Rejects with NotFoundError (no such template), ValidationError (a variable missing, a
 * value a filter cannot read), UnavailableError / TimeoutError (the service down or slow): the
 * flow then answers with its built-in text.
 */
export type ReplyTemplateRenderer = Pick<TemplateRenderer, 'render'>;

import type { Logger } from '@notify/logger';
import type { customerv1, ticketv1 } from '@notify/proto';
import { DEFAULT_REPLY_DEADLINE_MS, GrpcCustomerPhoneBook, GrpcJobBoard, GrpcOptOutRegistry, GrpcStaffDirectory } from './grpc-reply.adapters';
import type { CustomerDirectory, InboundDedupe, JobMessageLog, ReplySender, ReplyTemplateRenderer, TechnicianReplyHandler } from './reply.ports';
import { TechnicianReplyUseCase } from './technician-reply.use-case';

export * from './reply.ports';
export { REPLY_TEXTS } from './reply-texts';
export { REPLY_TEMPLATE_KEYS, replyTemplateVariables, type ReplyTemplateFacts } from './reply-templates';
export { decideJob, displayPhone, formatWib, isJobCommand, normalizeSenderPhone, oldestJob, stepApplied, stepOn, type JobDecision, type JobStep } from './technician-reply.rules';
export { DEFAULT_TEMPLATE_DEADLINE_MS, TechnicianReplyUseCase, type TechnicianReplyUseCaseDeps } from './technician-reply.use-case';
export { DEFAULT_REPLY_DEADLINE_MS, GrpcCustomerPhoneBook, GrpcJobBoard, GrpcOptOutRegistry, GrpcStaffDirectory, jobFromProto } from './grpc-reply.adapters';
export { isStartCommand, isStopCommand } from './stop-command';
export { DEFAULT_INBOUND_DEDUPE_CAPACITY, InMemoryInboundDedupe } from './in-memory-inbound.dedupe';

/** Dependencies of {@link createTechnicianReplyHandler}. */
export interface TechnicianReplyHandlerDeps {
  /** Customer service client (createClient with an API key of role `service`): GetStaff by phone, OptOut on a STOP reply. */
  readonly customer: customerv1.CustomerServiceClient;
  /** Ticket service client (createClient with an API key of role `service`): ListTickets, GetTicket, AssignTicket, StartTicket, CompleteTicket. */
  readonly ticket: ticketv1.TicketServiceClient;
  /** Sends the answer back to the technician. */
  readonly sender: ReplySender;
  readonly logger: Logger;
  /** Wall clock (default `() => new Date()`), for confirmation times the ticket does not carry. */
  readonly clock?: () => Date;
  /** Deadline of each gRPC call, ms from its start (default {@link DEFAULT_REPLY_DEADLINE_MS} = 5000). */
  readonly deadlineMs?: number;
  /**
   * At-most-once guard per (provider, inbound message id); default none (a retried webhook acts
   * again). Tests use {@link InMemoryInboundDedupe}; production backs it with Postgres.
   */
  readonly dedupe?: InboundDedupe;
  /**
   * The job messages the gateway sent, so "1" acts on the job of the latest one (the rule on
   * {@link TechnicianReplyUseCase}); default none: "1" follows the priority order only. The
   * gateway passes its delivery log (PgJobMessageLog).
   */
  readonly messages?: JobMessageLog;
  /**
   * Customer name and phone for the take confirmation: the gateway's RecipientDirectory
   * (customer GetCustomer, cached for DIRECTORY_CACHE_TTL_MS), which has this shape.
   */
  readonly customers: CustomerDirectory;
  /** SUPPORT_PHONE: named in the answer to a customer who writes in; '' or absent = none. */
  readonly supportPhone?: string;
  /**
   * The template service's RenderTemplate (the gateway's GrpcTemplateRenderer): the step
   * confirmations and the "not yours to move" answer are rendered from `technician.job_taken`,
   * `technician.job_started`, `technician.job_completed` and `technician.job_unavailable`, so
   * operators' edits take effect; a failed or slow render (over `deadlineMs`) falls back to the
   * built-in REPLY_TEXTS. Absent = always the built-in texts.
   */
  readonly templates?: ReplyTemplateRenderer;
}

/**
 * The technician "press 1" reply flow over the customer and ticket services' gRPC APIs
 * (customer-notification-system.md, "Technician Takes / Starts / Completes Job (Button "1")").
 * Wire it to the inbound webhooks (`/webhooks/fonnte/inbound`, `/webhooks/wablas/inbound`):
 * `handler.handle({ ...parsedInboundMessage, messageId })`. The rules are documented on
 * {@link TechnicianReplyUseCase}; dependency failures become `failed`, and `handle` rejects only
 * when the message cannot be recorded (the `dedupe` claim fails): the webhook must then answer
 * non-200 so the provider delivers it again.
 * The customer-facing messages (TEKNISI DITUGASKAN, …) are NOT sent here: they follow from the
 * ticket events through the delivery pipeline.
 */
export function createTechnicianReplyHandler(deps: TechnicianReplyHandlerDeps): TechnicianReplyHandler {
  const deadlineMs = deps.deadlineMs ?? DEFAULT_REPLY_DEADLINE_MS;
  if (!Number.isFinite(deadlineMs) || deadlineMs <= 0) throw new RangeError(`deadlineMs must be a positive number of ms, got ${deadlineMs}`);
  return new TechnicianReplyUseCase({
    staff: new GrpcStaffDirectory(deps.customer, deadlineMs),
    optOuts: new GrpcOptOutRegistry(deps.customer, deadlineMs),
    jobs: new GrpcJobBoard(deps.ticket, deadlineMs),
    sender: deps.sender,
    logger: deps.logger,
    clock: deps.clock ?? (() => new Date()),
    customers: deps.customers,
    customerPhones: new GrpcCustomerPhoneBook(deps.customer, deadlineMs),
    ...(deps.supportPhone ? { supportPhone: deps.supportPhone } : {}),
    ...(deps.dedupe ? { dedupe: deps.dedupe } : {}),
    ...(deps.messages ? { messages: deps.messages } : {}),
    ...(deps.templates ? { templates: deps.templates, templateDeadlineMs: deadlineMs } : {}),
  });
}

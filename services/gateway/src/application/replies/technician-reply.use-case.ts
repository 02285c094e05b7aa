import { withTimeout } from '@notify/db';
import { ConflictError, FailedPreconditionError, TimeoutError, UnavailableError } from '@notify/errors';
import { maskPhone, type Logger } from '@notify/logger';
import { withSpan } from '@notify/telemetry';
import { REPLY_TEMPLATE_KEYS, replyTemplateVariables, type ReplyTemplateFacts } from './reply-templates';
import { REPLY_TEXTS } from './reply-texts';
import type {
  CustomerContact,
  CustomerDirectory,
  CustomerPhoneBook,
  InboundDedupe,
  InboundReply,
  Job,
  JobActor,
  JobBoard,
  JobMessageLog,
  OptOutRegistry,
  ReplyAction,
  ReplyPriority,
  ReplyRecipient,
  ReplyResult,
  ReplySender,
  ReplyTemplateRenderer,
  StaffDirectory,
  StaffMember,
  TechnicianReplyHandler,
} from './reply.ports';
import { isStartCommand, isStopCommand } from './stop-command';
import { decideJob, displayPhone, isJobCommand, normalizeSenderPhone, stepApplied, stepOn, type JobDecision, type JobStep } from './technician-reply.rules';

/** Dependencies of {@link TechnicianReplyUseCase}. */
export interface TechnicianReplyUseCaseDeps {
  readonly staff: StaffDirectory;
  readonly jobs: JobBoard;
  readonly sender: ReplySender;
  readonly logger: Logger;
  /** Wall clock for the times in confirmations when the ticket does not carry them. */
  readonly clock: () => Date;
  /** At-most-once guard per (provider, message id); absent = every delivery is handled. */
  readonly dedupe?: InboundDedupe;
  /**
   * What the gateway sent to whom about jobs (rule 6); absent = "1" follows the priority order
   * only (rule 6c), which cannot tell which offer a technician is answering.
   */
  readonly messages?: JobMessageLog;
  /** The ticket's customer for the take confirmation; absent (or failing) = those lines show `-`. */
  readonly customers?: CustomerDirectory;
  /** Where a STOP reply opts the number out (rule 4b); absent = STOP is handled as any other text. */
  readonly optOuts?: OptOutRegistry;
  /** Customers by phone (rule 4c): a customer who writes in is answered as a customer; absent = as an unknown number. */
  readonly customerPhones?: CustomerPhoneBook;
  /** The support number a customer who writes in is pointed to (SUPPORT_PHONE); '' or absent = none named. */
  readonly supportPhone?: string;
  /**
   * The template service (rule 9): the answers about a ticket are rendered from its templates
   * (REPLY_TEMPLATE_KEYS), so operators' edits take effect; absent = the built-in REPLY_TEXTS.
   */
  readonly templates?: ReplyTemplateRenderer;
  /** Longest wait for a template render, ms (default {@link DEFAULT_TEMPLATE_DEADLINE_MS}); then the built-in text. */
  readonly templateDeadlineMs?: number;
}

/** Default longest wait for a reply template's render (ms): the reply flow's per-call gRPC deadline. */
export const DEFAULT_TEMPLATE_DEADLINE_MS = 5_000;

/** The answers that confirm a step the technician made: URGENT; every other answer is HIGH ({@link ReplyPriority}). */
const CONFIRMATIONS: ReadonlySet<ReplyAction> = new Set<ReplyAction>(['assigned', 'started', 'completed']);

/**
 * Answers sent URGENT besides the confirmations: what a STOP or MULAI did. The writer waits for
 * it, and a number held back by the per-recipient rate limit — a customer flooded by bulk
 * messages is the one who writes STOP — must not wait an hour for it (QA).
 */
const OPT_ANSWERS: ReadonlySet<ReplyAction> = new Set<ReplyAction>(['opted_out', 'opted_in', 'already_opted_in', 'opt_out_refused']);

/** The ticket of the job message a "1" answers, when it is not theirs to move (rule 6b). */
type Unavailable = { readonly unavailable: Job };

/**
 * The technician "press 1" flow (customer-notification-system.md, "Technician Takes Job (Button
 * "1")", "Technician Starts Job (Button "1" on assigned job)", "Technician Completes Job (Button
 * "1" on in-progress job)"; issue 5, "Receipts and replies": "a staff member's WhatsApp reply `1`
 * takes the job offered to them").
 *
 * `handle(msg)` in order:
 * 1. In a group, only "1" is for the bot: any other text is group chatter → `not_a_command`,
 *    nothing sent (answering every group message would spam the team's groups).
 * 2. Idempotency: with a `dedupe` port and a `msg.messageId`, a (provider, id) already claimed →
 *    `duplicate`, nothing done, nothing sent. If the claim itself fails (the database is down),
 *    the message cannot be recorded: nothing is done or sent and `handle` REJECTS with an
 *    UnavailableError, so the webhook answers non-200 and the provider delivers the message
 *    again later (Fonnte retries non-200 answers, providers.md §1.7) instead of it being lost.
 * 3. The sender's number is normalized to E.164 digits ({@link normalizeSenderPhone}); not a
 *    number → `unknown_sender`, nothing sent (there is no one to answer).
 * 4. Staff lookup (customer GetStaff by phone), then:
 *    b. STOP (`isStopCommand`: STOP, BERHENTI, UNSUBSCRIBE alone, any case) outside a group:
 *       from a number that is no active staff member's → `opted_out`: the number is opted out of
 *       WhatsApp (customer OptOut, reason `STOP reply via <provider>`; resolution leaves it out
 *       from then on, and the gateway withdraws what still waits for it on WhatsApp: customer
 *       event opted_out) and the answer confirms it (this answer is the last message it gets);
 *       a failed OptOut → `failed`, "send STOP again", nothing recorded. From active staff →
 *       `opt_out_refused`, nothing changes: their job messages are their work, an admin changes
 *       that (QA: a deactivated staff record sharing a customer's number blocked her STOP).
 *       MULAI (`isStartCommand`: MULAI, START, SUBSCRIBE)
 *       from a number that is not active staff's and had opted out → `opted_in`: the WhatsApp opt-out is
 *       lifted (customer OptIn) and the answer confirms it; without an opt-out →
 *       `already_opted_in`, the answer says the number already gets the messages;
 *    c. no staff member: a registered customer's number (customer GetCustomer by phone) →
 *       `customer_message` (the answer says the number only sends notifications, names
 *       SUPPORT_PHONE when set, and mentions STOP; QA: a customer writing "internet saya mati
 *       lagi" was told their number is not a technician's; a customer whose number opted out of
 *       WhatsApp is told to reply MULAI instead); otherwise, or when that look-up fails, →
 *       `unknown_sender` (the answer names SUPPORT_PHONE when set and mentions STOP); staff but
 *       not a technician, or an inactive technician: "1" → `not_a_technician`, any other text →
 *       `not_a_command` (the number only sends notifications). Nothing changes.
 * 5. Text trimmed other than "1" → `not_a_command` with a help text stating what "1" does.
 * 6. "1" answers the latest job message the technician received:
 *    a. with a `messages` log, the latest job message the gateway sent (a provider accepted) to
 *       the address the "1" came from (the technician's phone; the group's id for a "1" written
 *       in a group) names a ticket; re-read now (GetTicket), {@link stepOn} gives the step:
 *       OPEN in their zones → AssignTicket to them (`assigned`: the message was the offer);
 *       theirs ASSIGNED → StartTicket (`started`); theirs IN_PROGRESS → CompleteTicket
 *       (`completed`). So a busy technician answering a new offer takes the NEW job and the one
 *       in progress is left untouched, and of several offers the latest is taken. The flow's
 *       confirmations are about the ticket of the message they answered, so after "taken" the
 *       next "1" starts that ticket and after "started" the next completes it;
 *    b. that ticket is not theirs to move (another technician holds it, it was cancelled or
 *       completed, or it is OPEN outside their zones) and this flow has sent them no answer since
 *       that message → `already_taken` naming that ticket, nothing changes: the "1" was meant
 *       for it, and acting on another job would be a guess (it could complete a job in progress
 *       and tell its customer so). The answer says "1" again goes on with their other work;
 *    c. otherwise (no log, no job message, the ticket not found, or 6b already answered) the
 *       priority order ({@link decideJob}): their IN_PROGRESS job → complete; else their ASSIGNED
 *       job → start; else the oldest OPEN job in one of their work zones (all zones when they
 *       have none) → take; else `nothing_in_reach`.
 *    Every change is made with actor = the technician (kind STAFF, role technician), so the
 *    ticket history shows who, and with expected_version = the version read. The take
 *    confirmation carries the customer's name and phone (`customers`: GetCustomer), the address,
 *    the problem and the SLA deadline.
 * 7. FAILED_PRECONDITION or ABORTED from the ticket service (someone else took the job, or it
 *    changed meanwhile) → `already_taken`, nothing changed. Any other error (UNAVAILABLE,
 *    DEADLINE_EXCEEDED, …) → rule 8, else `failed` with a "try again" answer; the error is logged.
 * 8. A step whose outcome is unknown (the call failed with anything but FAILED_PRECONDITION /
 *    ABORTED, e.g. DEADLINE_EXCEEDED after the request was sent) is settled by re-reading the
 *    ticket (GetTicket): if it shows exactly that step applied for this technician
 *    ({@link stepApplied}), the step is confirmed as if the answer had arrived; otherwise (or if
 *    the re-read fails too) `failed`. Without this, "try again" after a lost answer would move
 *    the job one step further than the technician meant.
 * 9. The answers about a ticket come from the template service when `templates` is given:
 *    the confirmations render `technician.job_taken` (take), `technician.job_started` (start;
 *    the same text the routing sends when a dispatcher starts their ticket) and
 *    `technician.job_completed` (complete); a "1" that did not move the ticket (rule 6b, rule 7)
 *    renders `technician.job_unavailable` with `status`, `taken_by_other` and
 *    `changed_meanwhile`, its body choosing the wording. Variables: {@link replyTemplateVariables}
 *    (raw values: the template service escapes them). When the render fails (the service down,
 *    slower than `templateDeadlineMs`, no such template, a variable missing or unreadable) or
 *    renders nothing, the answer is the built-in REPLY_TEXTS text (the seeded defaults render the
 *    same) and a warning is logged: the step has happened and the technician is always answered.
 *    Every other answer (help, STOP / MULAI, unknown sender, customers, nothing in reach, "try
 *    again") is a built-in text.
 * Every outcome except those marked "nothing sent" is answered with `sender.sendReply(phone,
 * text, msg.provider, priority)`: URGENT for the confirmation of a step (`assigned`, `started`,
 * `completed`), HIGH for every other answer, so the per-recipient rate limit holds back a bot or
 * auto-responder writing to the number in a loop ({@link ReplyPriority}); a failed send is logged
 * and does not change the result. `handle` rejects only as rule 2 says.
 */
export class TechnicianReplyUseCase implements TechnicianReplyHandler {
  constructor(private readonly deps: TechnicianReplyUseCaseDeps) {}

  async handle(msg: InboundReply): Promise<ReplyResult> {
    // One span per inbound reply (`notify.provider`, `notify.reply.action`); the gRPC calls it makes are its children.
    return withSpan('gateway.technician_reply', { provider: msg.provider }, async (span) => {
      const result = await this.run(msg);
      span.setAttribute('notify.reply.action', result.action);
      return result;
    });
  }

  private async run(msg: InboundReply): Promise<ReplyResult> {
    const log = this.deps.logger.child({ provider: msg.provider, ...(msg.messageId ? { inbound_message_id: msg.messageId } : {}) });
    if (msg.isGroup && !isJobCommand(msg.text)) return this.done(log, { action: 'not_a_command', reply: '' });
    if (this.deps.dedupe && msg.messageId && !(await this.claim(this.deps.dedupe, msg, log))) {
      return this.done(log, { action: 'duplicate', reply: '' });
    }
    const phone = normalizeSenderPhone(msg.from);
    if (!phone) return this.done(log, { action: 'unknown_sender', reply: '' }, { from: maskPhone(msg.from) });
    let result: ReplyResult;
    try {
      result = await this.decide(msg, phone, log);
    } catch (err) {
      log.error({ err, phone: maskPhone(phone) }, 'technician reply failed');
      result = { action: 'failed', reply: REPLY_TEXTS.failed() };
    }
    await this.reply(phone, result, msg, log);
    return this.done(log, result, { phone: maskPhone(phone) });
  }

  /** Rule 2: claims the message; rejects (UnavailableError) when it cannot be recorded. */
  private async claim(dedupe: InboundDedupe, msg: InboundReply, log: Logger): Promise<boolean> {
    try {
      return await dedupe.claim(msg.provider, msg.messageId!);
    } catch (err) {
      log.error({ err }, 'inbound message could not be recorded; nothing done, the provider is to deliver it again');
      throw new UnavailableError('inbound message could not be recorded (de-duplication claim failed); deliver it again later', { cause: err });
    }
  }

  /** Rules 4–7 of {@link handle}; the answer to staff names them as its recipient. */
  private async decide(msg: InboundReply, phone: string, log: Logger): Promise<ReplyResult> {
    const staff = await this.deps.staff.findByPhone(phone);
    const result = await this.decideFor(staff, msg, phone, log);
    return staff && !result.recipient ? { ...result, recipient: { kind: 'STAFF', id: staff.id, name: staff.name } } : result;
  }

  private async decideFor(staff: StaffMember | null, msg: InboundReply, phone: string, log: Logger): Promise<ReplyResult> {
    if (this.deps.optOuts && !msg.isGroup && isStopCommand(msg.text)) return this.stop(this.deps.optOuts, staff, phone, msg, log);
    if (this.deps.optOuts && !msg.isGroup && !staff?.active && isStartCommand(msg.text)) {
      return this.start(this.deps.optOuts, phone, log);
    }
    if (!staff) return this.notStaff(phone, log);
    // Staff who cannot take jobs: "1" is answered with why; any other text is not for this number (QA).
    if ((!staff.isTechnician || !staff.active) && !isJobCommand(msg.text)) return { action: 'not_a_command', reply: REPLY_TEXTS.staffMessage(staff.name) };
    if (!staff.isTechnician) return { action: 'not_a_technician', reply: REPLY_TEXTS.notATechnician(staff.name) };
    if (!staff.active) return { action: 'not_a_technician', reply: REPLY_TEXTS.inactiveTechnician(staff.name) };
    if (!isJobCommand(msg.text)) return { action: 'not_a_command', reply: REPLY_TEXTS.notACommand() };
    const address = msg.isGroup && msg.group ? msg.group : phone;
    return this.press1(staff, address, phone, log.child({ staff_id: staff.id }));
  }

  /** Rule 4c of {@link handle}: a number that is not staff's, a customer's or unknown. */
  private async notStaff(phone: string, log: Logger): Promise<ReplyResult> {
    let customer: { id: string; name: string; optedOutOfWhatsApp: boolean } | null = null;
    try {
      customer = (await this.deps.customerPhones?.findByPhone(phone)) ?? null;
    } catch (err) {
      log.warn({ err, phone: maskPhone(phone) }, 'customer look-up of an inbound message failed: answered as an unknown number');
    }
    const support = displayPhone(this.deps.supportPhone ?? '');
    if (!customer) return { action: 'unknown_sender', reply: REPLY_TEXTS.unknownSender(support) };
    const recipient = { kind: 'CUSTOMER' as const, id: customer.id, name: customer.name };
    if (customer.optedOutOfWhatsApp) return { action: 'customer_message', reply: REPLY_TEXTS.customerOptedOut(customer.name, support), recipient };
    return { action: 'customer_message', reply: REPLY_TEXTS.customerMessage(customer.name, support), recipient };
  }

  /** Rule 4b of {@link handle}: STOP. */
  private async stop(optOuts: OptOutRegistry, staff: StaffMember | null, phone: string, msg: InboundReply, log: Logger): Promise<ReplyResult> {
    if (staff?.active) return { action: 'opt_out_refused', reply: REPLY_TEXTS.optOutRefused(staff.name) };
    try {
      await optOuts.optOutOfWhatsApp(phone, `STOP reply via ${msg.provider}`);
    } catch (err) {
      log.error({ err, phone: maskPhone(phone) }, 'STOP reply: the opt-out could not be recorded');
      return { action: 'failed', reply: REPLY_TEXTS.optOutFailed() };
    }
    return { action: 'opted_out', reply: REPLY_TEXTS.optedOut(), ...(await this.customerRecipient(phone, log)) };
  }

  /**
   * The customer a STOP / MULAI comes from, as the answer's recipient (QA: shown as a bare phone,
   * or as a deactivated staff record on the number); nothing when the number is no customer's or
   * the look-up fails (the answer goes all the same).
   */
  private async customerRecipient(phone: string, log: Logger): Promise<{ recipient?: ReplyRecipient }> {
    try {
      const c = await this.deps.customerPhones?.findByPhone(phone);
      return c ? { recipient: { kind: 'CUSTOMER', id: c.id, name: c.name } } : {};
    } catch (err) {
      log.warn({ err, phone: maskPhone(phone) }, 'customer look-up for the answer\'s recipient failed');
      return {};
    }
  }

  /** Rule 4b of {@link handle}: MULAI from a number that is not staff's: lifted, or nothing to lift. */
  private async start(optOuts: OptOutRegistry, phone: string, log: Logger): Promise<ReplyResult> {
    try {
      const lifted = (await optOuts.optInToWhatsApp(phone)) > 0;
      const who = await this.customerRecipient(phone, log);
      return lifted
        ? { action: 'opted_in', reply: REPLY_TEXTS.optedIn(), ...who }
        : { action: 'already_opted_in', reply: REPLY_TEXTS.alreadyOptedIn(), ...who };
    } catch (err) {
      log.error({ err, phone: maskPhone(phone) }, 'MULAI reply: the opt-out could not be lifted');
      return { action: 'failed', reply: REPLY_TEXTS.optInFailed() };
    }
  }

  /** Rules 6 and 7 of {@link handle}. */
  private async press1(staff: StaffMember, address: string, phone: string, log: Logger): Promise<ReplyResult> {
    const answered = await this.answeredJob(staff, address, phone, log);
    if (answered && 'unavailable' in answered) {
      const job = answered.unavailable;
      const heldByOther = (job.status === 'ASSIGNED' || job.status === 'IN_PROGRESS') && job.technicianId !== staff.id;
      log.info({ ticket: job.number, status: job.status }, '"1" answers a job message whose ticket is no longer theirs to move; nothing changed');
      return { action: 'already_taken', reply: await this.unavailable(job, staff, { takenByOther: heldByOther, changedMeanwhile: false }, log), ticketId: job.id };
    }
    const decision = answered ?? (await this.byPriority(staff));
    if (!decision) return { action: 'nothing_in_reach', reply: REPLY_TEXTS.nothingInReach(staff.workZones) };

    const { jobs } = this.deps;
    const { step, job } = decision;
    const actor: JobActor = { staffId: staff.id, name: staff.name };
    try {
      const after = await STEPS[step].run(jobs, job, actor);
      return { action: STEPS[step].action, reply: await this.confirmation(step, after, staff, log), ticketId: after.id };
    } catch (err) {
      if (err instanceof FailedPreconditionError || err instanceof ConflictError) {
        log.info({ ticket: job.number, step, reason: err.message }, 'job changed before the reply could act');
        // A take lost to another technician; a start / complete lost to another change.
        const why = step === 'take' ? { takenByOther: true, changedMeanwhile: false } : { takenByOther: false, changedMeanwhile: true };
        return { action: 'already_taken', reply: await this.unavailable(job, staff, why, log), ticketId: job.id };
      }
      const after = await this.reread(job, log);
      if (!stepApplied(step, job, after, staff.id)) throw err;
      log.warn({ err, ticket: job.number, step }, 'ticket call failed but the re-read ticket shows the step applied; confirming it');
      return { action: STEPS[step].action, reply: await this.confirmation(step, after!, staff, log), ticketId: job.id };
    }
  }

  /**
   * Rules 6a and 6b: the step on the ticket of the latest job message sent to `address`, the
   * ticket when it is not theirs to move and the "1" answers it directly, or null (rule 6c).
   */
  private async answeredJob(staff: StaffMember, address: string, phone: string, log: Logger): Promise<JobDecision | Unavailable | null> {
    if (!this.deps.messages) return null;
    const ref = await this.deps.messages.latest(address, phone);
    if (!ref) return null;
    const job = await this.deps.jobs.get(ref.ticketId);
    if (!job) {
      log.warn({ ticket_id: ref.ticketId }, 'the ticket of the latest job message does not exist; using the priority order');
      return null;
    }
    const step = stepOn(job, staff);
    if (step) return { step, job };
    return ref.answeredSince ? null : { unavailable: job };
  }

  /** Rule 6c: the priority order over their jobs and the OPEN jobs of their zones. */
  private async byPriority(staff: StaffMember): Promise<JobDecision> {
    const { jobs } = this.deps;
    const inProgress = await jobs.jobsOf(staff.id, 'IN_PROGRESS');
    const assigned = inProgress.length ? [] : await jobs.jobsOf(staff.id, 'ASSIGNED');
    const open = inProgress.length || assigned.length ? [] : await this.openJobsFor(staff);
    return decideJob(inProgress, assigned, open);
  }

  /**
   * The confirmation of `step`, done: `after` is the ticket after it. Rule 9: its template
   * rendered, or the built-in text. Times the ticket does not carry are the clock's.
   */
  private async confirmation(step: JobStep, after: Job, staff: StaffMember, log: Logger): Promise<string> {
    // The take confirmation names the customer; the others only when a template might.
    const customer = step === 'take' || this.deps.templates ? await this.customerOf(after, log) : null;
    const startedAt = step === 'start' ? (after.startedAt ?? this.deps.clock()) : after.startedAt;
    const completedAt = step === 'complete' ? (after.completedAt ?? this.deps.clock()) : after.completedAt;
    const builtIn =
      step === 'take' ? REPLY_TEXTS.assigned(after, customer) : step === 'start' ? REPLY_TEXTS.started(after, startedAt!) : REPLY_TEXTS.completed(after, completedAt!);
    const facts: ReplyTemplateFacts = {
      technicianName: staff.name, customer, ...(startedAt ? { startedAt } : {}), ...(completedAt ? { completedAt } : {}),
    };
    return this.fromTemplate(STEPS[step].template, after, facts, builtIn, log);
  }

  /**
   * The answer to a "1" that did not move `job` (rules 6b and 7): taken by another technician,
   * changed meanwhile, or (from its status) cancelled, completed, outside their zones. Rule 9:
   * `technician.job_unavailable` rendered, or the built-in text.
   */
  private async unavailable(
    job: Job, staff: StaffMember, why: { takenByOther: boolean; changedMeanwhile: boolean }, log: Logger,
  ): Promise<string> {
    const builtIn = why.changedMeanwhile ? REPLY_TEXTS.changedMeanwhile(job) : why.takenByOther ? REPLY_TEXTS.alreadyTaken(job) : REPLY_TEXTS.jobUnavailable(job);
    if (!this.deps.templates) return builtIn;
    const facts: ReplyTemplateFacts = { technicianName: staff.name, customer: await this.customerOf(job, log), ...why };
    return this.fromTemplate(REPLY_TEMPLATE_KEYS.unavailable, job, facts, builtIn, log);
  }

  /**
   * Rule 9: `key` rendered (WHATSAPP, `id`) with the variables of `job` and `facts`; `builtIn`
   * when there is no renderer, or the render fails, takes longer than the deadline or gives an
   * empty text (logged as a warning).
   */
  private async fromTemplate(key: string, job: Job, facts: ReplyTemplateFacts, builtIn: string, log: Logger): Promise<string> {
    const { templates } = this.deps;
    if (!templates) return builtIn;
    const deadlineMs = this.deps.templateDeadlineMs ?? DEFAULT_TEMPLATE_DEADLINE_MS;
    try {
      const rendered = await withTimeout(templates.render(key, 'WHATSAPP', 'ID', replyTemplateVariables(job, facts)), deadlineMs, () => new TimeoutError(`${key}: no answer within ${deadlineMs} ms`));
      if (rendered.text.trim() !== '') return rendered.text;
      log.warn({ template: key, template_version: rendered.version, ticket: job.number }, 'reply template rendered an empty text; answering with the built-in text');
    } catch (err) {
      log.warn({ err, template: key, ticket: job.number }, 'reply template could not be rendered; answering with the built-in text');
    }
    return builtIn;
  }

  /** The ticket's customer for an answer about it; null when unknown or unreadable (the step stands either way). */
  private async customerOf(job: Job, log: Logger): Promise<CustomerContact | null> {
    if (!this.deps.customers || !job.customerId) return null;
    try {
      return await this.deps.customers.customer(job.customerId);
    } catch (err) {
      log.warn({ err, ticket: job.number }, 'could not read the customer for the answer; sending it without');
      return null;
    }
  }

  /** Rule 8 of {@link handle}: the ticket after an unknown outcome, or null when it cannot be read. */
  private async reread(job: Job, log: Logger): Promise<Job | null> {
    try {
      return await this.deps.jobs.get(job.id);
    } catch (err) {
      log.warn({ err, ticket: job.number }, 'could not re-read the ticket after a failed call');
      return null;
    }
  }

  private async openJobsFor(staff: StaffMember): Promise<Job[]> {
    if (staff.workZones.length === 0) return this.deps.jobs.openJobs();
    const lists = [];
    for (const zone of new Set(staff.workZones)) lists.push(await this.deps.jobs.openJobs(zone));
    return lists.flat();
  }

  private async reply(to: string, result: ReplyResult, msg: InboundReply, log: Logger): Promise<void> {
    const priority: ReplyPriority = CONFIRMATIONS.has(result.action) || OPT_ANSWERS.has(result.action) ? 'URGENT' : 'HIGH';
    try {
      await this.deps.sender.sendReply(to, result.reply, msg.provider, priority, result.ticketId, result.recipient);
    } catch (err) {
      log.warn({ err, phone: maskPhone(to) }, 'technician reply could not be sent');
    }
  }

  private done(log: Logger, result: ReplyResult, extra: Record<string, unknown> = {}): ReplyResult {
    log.info({ action: result.action, ...(result.ticketId ? { ticket_id: result.ticketId } : {}), ...extra }, 'inbound message handled');
    return result;
  }
}

/** What each step does on the job board, its result action and the template of its confirmation. */
const STEPS: Record<JobStep, { action: ReplyAction; template: string; run: (b: JobBoard, j: Job, a: JobActor) => Promise<Job> }> = {
  take: { action: 'assigned', template: REPLY_TEMPLATE_KEYS.assigned, run: (b, j, a) => b.take(j, a) },
  start: { action: 'started', template: REPLY_TEMPLATE_KEYS.started, run: (b, j, a) => b.start(j, a) },
  complete: { action: 'completed', template: REPLY_TEMPLATE_KEYS.completed, run: (b, j, a) => b.complete(j, a) },
};

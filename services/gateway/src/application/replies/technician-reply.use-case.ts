import { ConflictError, FailedPreconditionError } from '@notify/errors';
import { maskPhone, type Logger } from '@notify/logger';
import { withSpan } from '@notify/telemetry';
import { REPLY_TEXTS } from './reply-texts';
import type {
  InboundDedupe,
  InboundReply,
  Job,
  JobActor,
  JobBoard,
  ReplyAction,
  ReplyResult,
  ReplySender,
  StaffDirectory,
  StaffMember,
  TechnicianReplyHandler,
} from './reply.ports';
import { decideJob, isJobCommand, normalizeSenderPhone, stepApplied, type JobStep } from './technician-reply.rules';

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
}

/**
 * The technician "press 1" flow (customer-notification-system.md, "Technician Takes Job (Button
 * "1")", "Technician Starts Job (Button "1" on assigned job)", "Technician Completes Job (Button
 * "1" on in-progress job)"; issue 5, "Receipts and replies").
 *
 * `handle(msg)` in order:
 * 1. In a group, only "1" is for the bot: any other text is group chatter → `not_a_command`,
 *    nothing sent (answering every group message would spam the team's groups).
 * 2. Idempotency: with a `dedupe` port and a `msg.messageId`, a (provider, id) already claimed →
 *    `duplicate`, nothing done, nothing sent.
 * 3. The sender's number is normalized to E.164 digits ({@link normalizeSenderPhone}); not a
 *    number → `unknown_sender`, nothing sent (there is no one to answer).
 * 4. Staff lookup (customer GetStaff by phone): none → `unknown_sender`; staff but not a
 *    technician, or an inactive technician → `not_a_technician`. Nothing changes.
 * 5. Text trimmed other than "1" → `not_a_command` with a help text listing what "1" does.
 * 6. "1": the technician's IN_PROGRESS job → CompleteTicket (`completed`); else their ASSIGNED
 *    job → StartTicket (`started`); else the oldest OPEN job in one of their work zones (all
 *    zones when they have none) → AssignTicket to them (`assigned`); else `nothing_in_reach`.
 *    Every change is made with actor = the technician (kind STAFF, role technician), so the
 *    ticket history shows who, and with expected_version = the version read.
 * 7. FAILED_PRECONDITION or ABORTED from the ticket service (someone else took the job, or it
 *    changed meanwhile) → `already_taken`, nothing changed. Any other error (UNAVAILABLE,
 *    DEADLINE_EXCEEDED, …) → rule 8, else `failed` with a "try again" answer; the error is logged.
 * 8. A step whose outcome is unknown (the call failed with anything but FAILED_PRECONDITION /
 *    ABORTED, e.g. DEADLINE_EXCEEDED after the request was sent) is settled by re-reading the
 *    ticket (GetTicket): if it shows exactly that step applied for this technician
 *    ({@link stepApplied}), the step is confirmed as if the answer had arrived; otherwise (or if
 *    the re-read fails too) `failed`. Without this, "try again" after a lost answer would move
 *    the job one step further than the technician meant.
 * Every outcome except those marked "nothing sent" is answered with `sender.sendReply(phone,
 * text, msg.provider)`; a failed send is logged and does not change the result.
 * `handle` never rejects.
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
    const phone = normalizeSenderPhone(msg.from);
    let result: ReplyResult;
    let send = true;
    try {
      if (msg.isGroup && !isJobCommand(msg.text)) return this.done(log, { action: 'not_a_command', reply: '' });
      if (this.deps.dedupe && msg.messageId && !(await this.deps.dedupe.claim(msg.provider, msg.messageId))) {
        return this.done(log, { action: 'duplicate', reply: '' });
      }
      if (!phone) return this.done(log, { action: 'unknown_sender', reply: '' }, { from: maskPhone(msg.from) });
      result = await this.decide(msg, phone, log);
    } catch (err) {
      log.error({ err, phone: maskPhone(phone ?? msg.from) }, 'technician reply failed');
      result = { action: 'failed', reply: REPLY_TEXTS.failed() };
      send = phone !== null;
    }
    if (send && phone) await this.reply(phone, result.reply, msg, log);
    return this.done(log, result, phone ? { phone: maskPhone(phone) } : {});
  }

  private async decide(msg: InboundReply, phone: string, log: Logger): Promise<ReplyResult> {
    const staff = await this.deps.staff.findByPhone(phone);
    if (!staff) return { action: 'unknown_sender', reply: REPLY_TEXTS.unknownSender() };
    if (!staff.isTechnician) return { action: 'not_a_technician', reply: REPLY_TEXTS.notATechnician(staff.name) };
    if (!staff.active) return { action: 'not_a_technician', reply: REPLY_TEXTS.inactiveTechnician(staff.name) };
    if (!isJobCommand(msg.text)) return { action: 'not_a_command', reply: REPLY_TEXTS.notACommand() };
    return this.press1(staff, log.child({ staff_id: staff.id }));
  }

  /** Rule 6 and 7 of {@link handle}. */
  private async press1(staff: StaffMember, log: Logger): Promise<ReplyResult> {
    const { jobs } = this.deps;
    const inProgress = await jobs.jobsOf(staff.id, 'IN_PROGRESS');
    const assigned = inProgress.length ? [] : await jobs.jobsOf(staff.id, 'ASSIGNED');
    const open = inProgress.length || assigned.length ? [] : await this.openJobsFor(staff);
    const decision = decideJob(inProgress, assigned, open);
    if (!decision) return { action: 'nothing_in_reach', reply: REPLY_TEXTS.nothingInReach(staff.workZones) };

    const { step, job } = decision;
    const actor: JobActor = { staffId: staff.id, name: staff.name };
    try {
      const after = await STEPS[step].run(jobs, job, actor);
      return { action: STEPS[step].action, reply: STEPS[step].text(after, this.deps.clock), ticketId: after.id };
    } catch (err) {
      if (err instanceof FailedPreconditionError || err instanceof ConflictError) {
        log.info({ ticket: job.number, step, reason: err.message }, 'job changed before the reply could act');
        return { action: 'already_taken', reply: step === 'take' ? REPLY_TEXTS.alreadyTaken(job) : REPLY_TEXTS.changedMeanwhile(job), ticketId: job.id };
      }
      const after = await this.reread(job, log);
      if (!stepApplied(step, job, after, staff.id)) throw err;
      log.warn({ err, ticket: job.number, step }, 'ticket call failed but the re-read ticket shows the step applied; confirming it');
      return { action: STEPS[step].action, reply: STEPS[step].text(after!, this.deps.clock), ticketId: job.id };
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

  private async reply(to: string, text: string, msg: InboundReply, log: Logger): Promise<void> {
    try {
      await this.deps.sender.sendReply(to, text, msg.provider);
    } catch (err) {
      log.warn({ err, phone: maskPhone(to) }, 'technician reply could not be sent');
    }
  }

  private done(log: Logger, result: ReplyResult, extra: Record<string, unknown> = {}): ReplyResult {
    log.info({ action: result.action, ...(result.ticketId ? { ticket_id: result.ticketId } : {}), ...extra }, 'technician reply handled');
    return result;
  }
}

/** What each step does on the job board, its result action and its confirmation text. */
const STEPS: Record<JobStep, { action: ReplyAction; run: (b: JobBoard, j: Job, a: JobActor) => Promise<Job>; text: (j: Job, clock: () => Date) => string }> = {
  take: { action: 'assigned', run: (b, j, a) => b.take(j, a), text: (j) => REPLY_TEXTS.assigned(j) },
  start: { action: 'started', run: (b, j, a) => b.start(j, a), text: (j, clock) => REPLY_TEXTS.started(j, j.startedAt ?? clock()) },
  complete: { action: 'completed', run: (b, j, a) => b.complete(j, a), text: (j, clock) => REPLY_TEXTS.completed(j, j.completedAt ?? clock()) },
};

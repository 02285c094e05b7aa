import { FailedPreconditionError } from '@notify/errors';
import { callUnary } from '@notify/grpc-kit';
import { commonv1, ticketv1 } from '@notify/proto';
import type { EscalationOutcome, OpenTicket, TicketDirectory, TicketStatsResult } from '../../application';
import type { SlaEscalationLevel, TicketPriority } from '../../domain';
import { toSnapshot } from '../messaging/schedule-event.mapper';

const P = commonv1.Priority;
const PRIORITY: Readonly<Record<number, TicketPriority>> = {
  [P.PRIORITY_LOW]: 'LOW',
  [P.PRIORITY_NORMAL]: 'NORMAL',
  [P.PRIORITY_HIGH]: 'HIGH',
  [P.PRIORITY_URGENT]: 'URGENT',
};

/** Page size of the ticket service's ListTickets (its maximum). */
const PAGE_SIZE = 500;

/** The scheduler as the actor of its EscalateTicket calls (proto: "the scheduler sends {service, `scheduler`}"). */
const SCHEDULER_ACTOR: commonv1.Actor = {
  kind: commonv1.ActorKind.ACTOR_KIND_SERVICE,
  id: 'scheduler',
  name: 'scheduler',
  role: commonv1.Role.ROLE_SERVICE,
};

/**
 * TicketDirectory over `notify.ticket.v1.TicketService` (client made with createClient: API key
 * of role service, a deadline on every call). Errors are grpc-kit's DomainErrors
 * (UnavailableError, TimeoutError…), except EscalateTicket's FAILED_PRECONDITION, which
 * means the level is already reached (or the ticket closed meanwhile) → ALREADY_ESCALATED.
 */
export class GrpcTicketDirectory implements TicketDirectory {
  constructor(private readonly client: ticketv1.TicketServiceClient) {}

  /** ListTickets (OPEN, ASSIGNED, IN_PROGRESS; sla_due < before; sla_due ascending), every page of 500. */
  async listOpenTicketsDueBefore(before: Date): Promise<OpenTicket[]> {
    const S = ticketv1.TicketStatus;
    const out: OpenTicket[] = [];
    let pageToken = '';
    do {
      const res = await callUnary(this.client, 'listTickets', {
        statuses: [S.TICKET_STATUS_OPEN, S.TICKET_STATUS_ASSIGNED, S.TICKET_STATUS_IN_PROGRESS],
        types: [],
        workZone: '',
        technicianId: '',
        customerId: '',
        slaDue: { from: undefined, to: before },
        priorities: [],
        created: undefined,
        orderBy: ticketv1.TicketOrder.TICKET_ORDER_SLA_DUE_AT_ASC,
        page: { pageSize: PAGE_SIZE, pageToken },
      });
      for (const t of res.tickets) {
        if (!t.slaDueAt || !t.createdAt) continue; // every ticket has both; a partial answer is skipped, not guessed
        out.push({
          id: t.id,
          priority: PRIORITY[t.priority] ?? 'NORMAL',
          createdAt: t.createdAt,
          slaDueAt: t.slaDueAt,
          escalationLevel: t.escalationLevel,
          snapshot: toSnapshot<'ticket'>(t),
        });
      }
      pageToken = res.nextPageToken;
    } while (pageToken !== '');
    return out;
  }

  async escalate(ticketId: string, level: SlaEscalationLevel, reason: string): Promise<EscalationOutcome> {
    try {
      await callUnary(this.client, 'escalateTicket', { ticketId, reason, level, expectedVersion: 0, actor: SCHEDULER_ACTOR });
      return 'ESCALATED';
    } catch (error) {
      if (error instanceof FailedPreconditionError) return 'ALREADY_ESCALATED';
      throw error;
    }
  }

  async stats(window: { readonly from: Date; readonly to: Date }): Promise<TicketStatsResult> {
    const { stats } = await callUnary(this.client, 'getTicketStats', { from: window.from, to: window.to, workZone: '' });
    if (!stats) throw new Error('GetTicketStats answered without stats');
    return {
      technicians: stats.technicians.map((t) => ({
        technicianId: t.technicianId,
        completed: t.completed,
        meanTimeToResolveHours: t.meanTimeToResolveHours,
        slaMet: t.slaMet,
        slaCompliancePercent: t.slaCompliancePercent,
        openAssigned: t.openAssigned,
      })),
      snapshot: toSnapshot<'ticket_stats'>(stats),
    };
  }
}

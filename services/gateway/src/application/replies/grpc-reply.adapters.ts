import { NotFoundError } from '@notify/errors';
import { callUnary } from '@notify/grpc-kit';
import { commonv1, customerv1, ticketv1 } from '@notify/proto';
import type { CustomerPhoneBook, Job, JobActor, JobBoard, JobPriority, JobStatus, OptOutRegistry, StaffDirectory, StaffMember } from './reply.ports';

/**
 * gRPC adapters of the reply flow's ports. The clients are made by the caller with
 * `@notify/grpc-kit` `createClient(…, { apiKey })` and an API key of role `service` (the roles
 * customer GetStaff, ticket ListTickets / GetTicket / AssignTicket / StartTicket / CompleteTicket allow,
 * ticket_service.proto / customer_service.proto "Roles:"). Every call carries its own deadline
 * (`deadlineMs`, ms, from the call's start). Errors come back as grpc-kit maps them
 * (`callUnary` → `fromGrpcError`): FAILED_PRECONDITION → FailedPreconditionError, ABORTED →
 * ConflictError, NOT_FOUND → NotFoundError, UNAVAILABLE → UnavailableError,
 * DEADLINE_EXCEEDED → TimeoutError.
 */

/** Default per-call deadline of the reply flow's gRPC calls (ms). */
export const DEFAULT_REPLY_DEADLINE_MS = 5_000;

/** Page size used to read ticket lists (the ticket service's maximum, ticket_service.proto). */
const PAGE_SIZE = 500;
/** Upper bound of pages read per list (PAGE_SIZE × MAX_PAGES tickets), so a runaway list cannot loop forever. */
const MAX_PAGES = 20;

/** customer GetStaff(phone) as the {@link StaffDirectory} (the phone, E.164 digits, sent with its `+`): NOT_FOUND → null. */
export class GrpcStaffDirectory implements StaffDirectory {
  constructor(
    private readonly client: customerv1.CustomerServiceClient,
    private readonly deadlineMs: number = DEFAULT_REPLY_DEADLINE_MS,
  ) {}

  async findByPhone(phone: string): Promise<StaffMember | null> {
    try {
      // With its `+`: the customer service reads it back as exactly this number (a foreign number's
      // digits alone may also be an Indonesian one).
      const res = await callUnary(this.client, 'getStaff', customerv1.GetStaffRequest.fromPartial({ phone: `+${phone}` }), { deadline: Date.now() + this.deadlineMs });
      const s = res.staff;
      if (!s) return null;
      return {
        id: s.id,
        name: s.name,
        phone: s.phone,
        isTechnician: s.role === commonv1.Role.ROLE_TECHNICIAN,
        active: s.active,
        workZones: [...new Set(s.workZones.map((z) => z.trim().toLowerCase()).filter(Boolean))],
      };
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }
}

/** customer GetCustomer by phone as the {@link CustomerPhoneBook}; NOT_FOUND → null. */
export class GrpcCustomerPhoneBook implements CustomerPhoneBook {
  constructor(
    private readonly client: customerv1.CustomerServiceClient,
    private readonly deadlineMs: number = DEFAULT_REPLY_DEADLINE_MS,
  ) {}

  async findByPhone(phone: string): Promise<{ id: string; name: string; optedOutOfWhatsApp: boolean } | null> {
    try {
      // With its `+`, as GrpcStaffDirectory: exactly this number; with its opt-outs (a STOP reply).
      const req = customerv1.GetCustomerRequest.fromPartial({ phone: `+${phone}`, includeOptOuts: true });
      const res = await callUnary(this.client, 'getCustomer', req, { deadline: Date.now() + this.deadlineMs });
      const optedOutOfWhatsApp = res.optOuts.some((o) => o.channel === commonv1.Channel.CHANNEL_WHATSAPP || o.channel === commonv1.Channel.CHANNEL_UNSPECIFIED);
      return res.customer ? { id: res.customer.id, name: res.customer.name, optedOutOfWhatsApp } : null;
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }
}

/** customer OptOut(phone, WHATSAPP, reason) and OptIn(phone, WHATSAPP) as the {@link OptOutRegistry} (the role `service` may call both). */
export class GrpcOptOutRegistry implements OptOutRegistry {
  constructor(
    private readonly client: customerv1.CustomerServiceClient,
    private readonly deadlineMs: number = DEFAULT_REPLY_DEADLINE_MS,
  ) {}

  async optOutOfWhatsApp(phone: string, reason: string): Promise<void> {
    await callUnary(
      this.client,
      'optOut',
      customerv1.OptOutRequest.fromPartial({ phone: `+${phone}`, channel: commonv1.Channel.CHANNEL_WHATSAPP, reason: reason.slice(0, 500) }),
      { deadline: Date.now() + this.deadlineMs },
    );
  }

  async optInToWhatsApp(phone: string): Promise<number> {
    const res = await callUnary(
      this.client,
      'optIn',
      customerv1.OptInRequest.fromPartial({ phone: `+${phone}`, channel: commonv1.Channel.CHANNEL_WHATSAPP }),
      { deadline: Date.now() + this.deadlineMs },
    );
    return res.lifted;
  }
}

const S = ticketv1.TicketStatus;
const STATUS_FROM_PROTO: Partial<Record<ticketv1.TicketStatus, JobStatus>> = {
  [S.TICKET_STATUS_OPEN]: 'OPEN',
  [S.TICKET_STATUS_ASSIGNED]: 'ASSIGNED',
  [S.TICKET_STATUS_IN_PROGRESS]: 'IN_PROGRESS',
  [S.TICKET_STATUS_COMPLETED]: 'COMPLETED',
  [S.TICKET_STATUS_CANCELLED]: 'CANCELLED',
};
const P = commonv1.Priority;
const PRIORITY_FROM_PROTO: Partial<Record<commonv1.Priority, JobPriority>> = {
  [P.PRIORITY_LOW]: 'low',
  [P.PRIORITY_NORMAL]: 'normal',
  [P.PRIORITY_HIGH]: 'high',
  [P.PRIORITY_URGENT]: 'urgent',
};
const STATUS_TO_PROTO: Record<'OPEN' | 'ASSIGNED' | 'IN_PROGRESS', ticketv1.TicketStatus> = {
  OPEN: S.TICKET_STATUS_OPEN,
  ASSIGNED: S.TICKET_STATUS_ASSIGNED,
  IN_PROGRESS: S.TICKET_STATUS_IN_PROGRESS,
};

/** A proto ticket as a {@link Job}; throws on a ticket without status or creation time (a contract break). */
export function jobFromProto(t: ticketv1.Ticket): Job {
  const status = STATUS_FROM_PROTO[t.status];
  if (!status || !t.createdAt) throw new Error(`ticket ${t.id}: status or created_at missing in the ticket service's answer`);
  return {
    id: t.id,
    number: t.number,
    kind: t.type === ticketv1.TicketType.TICKET_TYPE_INSTALLATION ? 'PSB' : 'GANGGUAN',
    status,
    version: t.version,
    workZone: t.workZone,
    address: t.address,
    description: t.description,
    technicianId: t.technicianId,
    customerId: t.customerId,
    createdAt: t.createdAt,
    ...(t.startedAt ? { startedAt: t.startedAt } : {}),
    ...(t.completedAt ? { completedAt: t.completedAt } : {}),
    ...(t.slaDueAt ? { slaDueAt: t.slaDueAt } : {}),
    ...(PRIORITY_FROM_PROTO[t.priority] ? { priority: PRIORITY_FROM_PROTO[t.priority] } : {}),
  };
}

/** The actor recorded in the ticket history: the technician who replied (ticket_service.proto AssignTicketRequest.actor). */
function staffActor(actor: JobActor): commonv1.Actor {
  return { kind: commonv1.ActorKind.ACTOR_KIND_STAFF, id: actor.staffId, name: actor.name, role: commonv1.Role.ROLE_TECHNICIAN };
}

/**
 * The ticket service as the {@link JobBoard}. The service-role caller acts for the technician:
 * the ticket service's `principalFor` honours `actor` {kind STAFF, id, role technician} from a
 * `service` caller and then applies the technician's own rules (only themselves, only OPEN,
 * only their zones, only their own tickets to start / complete), services/ticket
 * transport/grpc/ticket-service.handler.ts.
 */
export class GrpcJobBoard implements JobBoard {
  constructor(
    private readonly client: ticketv1.TicketServiceClient,
    private readonly deadlineMs: number = DEFAULT_REPLY_DEADLINE_MS,
  ) {}

  jobsOf(technicianId: string, status: 'ASSIGNED' | 'IN_PROGRESS'): Promise<Job[]> {
    return this.list({ statuses: [STATUS_TO_PROTO[status]], technicianId });
  }

  openJobs(workZone?: string): Promise<Job[]> {
    return this.list({ statuses: [STATUS_TO_PROTO.OPEN], ...(workZone ? { workZone: workZone.trim().toLowerCase() } : {}) });
  }

  async get(ticketId: string): Promise<Job | null> {
    try {
      return this.ticketOf(await callUnary(this.client, 'getTicket', ticketv1.GetTicketRequest.fromPartial({ id: ticketId }), this.options()));
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  async take(job: Job, actor: JobActor): Promise<Job> {
    const req = ticketv1.AssignTicketRequest.fromPartial({
      ticketId: job.id,
      technicianId: actor.staffId,
      reassign: false,
      expectedVersion: job.version,
      actor: staffActor(actor),
    });
    return this.ticketOf(await callUnary(this.client, 'assignTicket', req, this.options()));
  }

  async start(job: Job, actor: JobActor): Promise<Job> {
    const req = ticketv1.StartTicketRequest.fromPartial({ ticketId: job.id, expectedVersion: job.version, actor: staffActor(actor) });
    return this.ticketOf(await callUnary(this.client, 'startTicket', req, this.options()));
  }

  async complete(job: Job, actor: JobActor): Promise<Job> {
    const req = ticketv1.CompleteTicketRequest.fromPartial({ ticketId: job.id, expectedVersion: job.version, actor: staffActor(actor) });
    return this.ticketOf(await callUnary(this.client, 'completeTicket', req, this.options()));
  }

  private async list(filter: Partial<ticketv1.ListTicketsRequest>): Promise<Job[]> {
    const jobs: Job[] = [];
    let pageToken = '';
    for (let page = 0; page < MAX_PAGES; page++) {
      const req = ticketv1.ListTicketsRequest.fromPartial({ ...filter, page: { pageSize: PAGE_SIZE, pageToken } });
      const res = await callUnary(this.client, 'listTickets', req, this.options());
      jobs.push(...res.tickets.map(jobFromProto));
      pageToken = res.nextPageToken;
      if (!pageToken) break;
    }
    return jobs;
  }

  private ticketOf(res: { ticket?: ticketv1.Ticket | undefined }): Job {
    if (!res.ticket) throw new Error('ticket service answered without a ticket');
    return jobFromProto(res.ticket);
  }

  private options(): { deadline: number } {
    return { deadline: Date.now() + this.deadlineMs };
  }
}

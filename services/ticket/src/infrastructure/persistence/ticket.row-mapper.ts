import type { Actor, EscalationLevel, Ticket, TicketHistoryEntry, TicketPriority, TicketStatus, TicketType } from '../../domain';

/** A row of `<schema>.tickets` as node-postgres returns it (timestamptz → Date, jsonb → object). */
export interface TicketRow {
  id: string;
  number: string;
  type: TicketType;
  status: TicketStatus;
  priority: TicketPriority;
  customer_id: string;
  work_zone: string;
  address: string;
  description: string;
  technician_id: string | null;
  technician_name: string | null;
  escalation_level: number;
  escalation_reason: string | null;
  completion_notes: string | null;
  cancel_reason: string | null;
  created_at: Date;
  updated_at: Date;
  sla_due_at: Date;
  assigned_at: Date | null;
  started_at: Date | null;
  completed_at: Date | null;
  cancelled_at: Date | null;
  created_by: Actor;
  version: number;
  /** Null: no title given, or stored before migration 1795400002000. */
  title: string | null;
}

/** A row of `<schema>.ticket_history`. */
export interface TicketHistoryRow {
  ticket_id: string;
  seq: number;
  action: TicketHistoryEntry['action'];
  from_status: TicketStatus | null;
  to_status: TicketStatus;
  actor: Actor;
  at: Date;
  note: string | null;
}

/** Column list of `tickets` in insert order (matches {@link ticketRowValues}). */
export const TICKET_COLUMNS = [
  'id', 'number', 'type', 'status', 'priority', 'customer_id', 'work_zone', 'address', 'description',
  'technician_id', 'technician_name', 'escalation_level', 'escalation_reason', 'completion_notes', 'cancel_reason',
  'created_at', 'updated_at', 'sla_due_at', 'assigned_at', 'started_at', 'completed_at', 'cancelled_at',
  'created_by', 'version', 'title',
] as const;

/** The ticket's column values in {@link TICKET_COLUMNS} order (`created_by` as JSON text). */
export function ticketRowValues(t: Ticket): unknown[] {
  return [
    t.id, t.number, t.type, t.status, t.priority, t.customerId, t.workZone, t.address, t.description,
    t.technicianId, t.technicianName, t.escalationLevel, t.escalationReason, t.completionNotes, t.cancelReason,
    t.createdAt, t.updatedAt, t.slaDueAt, t.assignedAt, t.startedAt, t.completedAt, t.cancelledAt,
    JSON.stringify(t.createdBy), t.version, t.title,
  ];
}

/** Row (+ its history rows, ordered by seq) → the domain ticket. */
export function ticketFromRow(row: TicketRow, history: readonly TicketHistoryRow[]): Ticket {
  return {
    id: row.id,
    number: row.number,
    type: row.type,
    status: row.status,
    priority: row.priority,
    customerId: row.customer_id,
    workZone: row.work_zone,
    address: row.address,
    description: row.description,
    title: row.title ?? null,
    technicianId: row.technician_id,
    technicianName: row.technician_name,
    escalationLevel: Number(row.escalation_level) as EscalationLevel,
    escalationReason: row.escalation_reason,
    completionNotes: row.completion_notes,
    cancelReason: row.cancel_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    slaDueAt: row.sla_due_at,
    assignedAt: row.assigned_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    cancelledAt: row.cancelled_at,
    createdBy: row.created_by,
    version: Number(row.version),
    history: history.map((h) => ({
      action: h.action,
      from: h.from_status,
      to: h.to_status,
      actor: h.actor,
      at: h.at,
      note: h.note,
    })),
  };
}

/** A ticket id as stored (`uuid`): refs that are not one cannot name a ticket by id. */
export const TICKET_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A history line as {@link ticketWithHistoryColumns}' json_agg gives it (`at` in epoch ms). */
type HistoryJson = Omit<TicketHistoryRow, 'at'> & { at: number };

/** A row read with {@link ticketWithHistoryColumns}. */
export type TicketWithHistoryRow = TicketRow & { history: readonly HistoryJson[] };

/**
 * The select list of a ticket `t` with its history lines (ordered by seq) aggregated as JSON
 * beside it (`history`), `at` as epoch ms (exact: an integer), `actor` as the stored jsonb: the
 * ticket and its history in one round trip. `history` is the qualified ticket_history table.
 */
export function ticketWithHistoryColumns(history: string): string {
  return `t.*, COALESCE((
         SELECT json_agg(json_build_object('ticket_id', h.ticket_id, 'seq', h.seq, 'action', h.action, 'from_status', h.from_status,
                  'to_status', h.to_status, 'actor', h.actor, 'at', floor(extract(epoch FROM h.at) * 1000)::bigint, 'note', h.note) ORDER BY h.seq)
           FROM ${history} h WHERE h.ticket_id = t.id), '[]'::json) AS history`;
}

/** A row read with {@link ticketWithHistoryColumns} → the domain ticket. */
export function ticketFromHistoryRow(row: TicketWithHistoryRow): Ticket {
  const { history, ...ticket } = row;
  return ticketFromRow(ticket, history.map((h) => ({ ...h, at: new Date(h.at) })));
}

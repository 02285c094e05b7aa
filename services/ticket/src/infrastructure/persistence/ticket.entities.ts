import { EntitySchema } from 'typeorm';
import type { TicketHistoryRow, TicketRow } from './ticket.row-mapper';

/**
 * TypeORM entities of the ticket schema (tables created by
 * migrations/1795400000000-CreateTicketTables.ts; `synchronize` is off). Property names are the
 * column names, so the same row types serve the entity reads and the raw SQL writes.
 */
export const TicketEntity = new EntitySchema<TicketRow>({
  name: 'Ticket',
  tableName: 'tickets',
  columns: {
    id: { type: 'uuid', primary: true },
    number: { type: 'text', unique: true },
    type: { type: 'text' },
    status: { type: 'text' },
    priority: { type: 'text' },
    customer_id: { type: 'text' },
    work_zone: { type: 'text' },
    address: { type: 'text' },
    description: { type: 'text' },
    technician_id: { type: 'text', nullable: true },
    technician_name: { type: 'text', nullable: true },
    escalation_level: { type: 'smallint' },
    escalation_reason: { type: 'text', nullable: true },
    completion_notes: { type: 'text', nullable: true },
    cancel_reason: { type: 'text', nullable: true },
    created_at: { type: 'timestamptz' },
    updated_at: { type: 'timestamptz' },
    sla_due_at: { type: 'timestamptz' },
    assigned_at: { type: 'timestamptz', nullable: true },
    started_at: { type: 'timestamptz', nullable: true },
    completed_at: { type: 'timestamptz', nullable: true },
    cancelled_at: { type: 'timestamptz', nullable: true },
    created_by: { type: 'jsonb' },
    version: { type: 'integer' },
    title: { type: 'text', nullable: true },
  },
});

/** One line per transition, `seq` = 1-based position in the ticket's history. */
export const TicketHistoryEntity = new EntitySchema<TicketHistoryRow>({
  name: 'TicketHistory',
  tableName: 'ticket_history',
  columns: {
    ticket_id: { type: 'uuid', primary: true },
    seq: { type: 'integer', primary: true },
    action: { type: 'text' },
    from_status: { type: 'text', nullable: true },
    to_status: { type: 'text' },
    actor: { type: 'jsonb' },
    at: { type: 'timestamptz' },
    note: { type: 'text', nullable: true },
  },
});

/** The per-(type, Jakarta day) ticket number counter. */
export interface TicketNumberCounterRow {
  type: string;
  day: string;
  last: number;
}
export const TicketNumberCounterEntity = new EntitySchema<TicketNumberCounterRow>({
  name: 'TicketNumberCounter',
  tableName: 'ticket_number_counters',
  columns: {
    type: { type: 'text', primary: true },
    day: { type: 'text', primary: true },
    last: { type: 'integer' },
  },
});

/** The entities of the ticket service, for `createDataSource({ entities })`. */
export const ticketEntities = [TicketEntity, TicketHistoryEntity, TicketNumberCounterEntity];

import { platformMigrations } from '@notify/db';
import { CreateTicketTables1795400000000 } from './1795400000000-CreateTicketTables';
import { CreateTicketCreateRequests1795400001000 } from './1795400001000-CreateTicketCreateRequests';
import { AddTicketTitle1795400002000 } from './1795400002000-AddTicketTitle';

/** Every migration of the ticket schema, in order: the platform's (outbox, dead letters, processed events), then the ticket tables, the CreateTicket idempotency keys and the tickets' titles. */
export const ticketMigrations = [...platformMigrations, CreateTicketTables1795400000000, CreateTicketCreateRequests1795400001000, AddTicketTitle1795400002000];

import { platformMigrations } from '@notify/db';
import { CreateTicketTables1795400000000 } from './1795400000000-CreateTicketTables';

/** Every migration of the ticket schema, in order: the platform's (outbox, dead letters, processed events), then the ticket tables. */
export const ticketMigrations = [...platformMigrations, CreateTicketTables1795400000000];

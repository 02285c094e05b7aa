import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/**
 * `tickets.title`: the one-line title CreateTicket was given (1..200 characters), kept apart from
 * the problem text (`description`, which starts with it) so the ticket returns it exactly as
 * given. Null for tickets created without a title and for those stored before this migration
 * (their title is then the first line of the description, ticket.proto-mapper.ts).
 */
export class AddTicketTitle1795400002000 implements MigrationInterface {
  name = 'AddTicketTitle1795400002000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE ${table(qr, 'tickets')} ADD COLUMN title text CHECK (title IS NULL OR char_length(title) BETWEEN 1 AND 200)`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE ${table(qr, 'tickets')} DROP COLUMN title`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/**
 * `deliveries.uncounted_rounds`: the rounds in a row, since the last counted round, in which no
 * provider was called (each behind an open breaker, or asked to wait by a Retry-After). They do
 * not count toward DELIVERY_MAX_ATTEMPTS (`rounds`), but each backs the next retry off further
 * (retryAfterUncountedRound), so an outage does not repeat such rounds at the first backoff for
 * as long as it lasts (QA: a failed event, two attempt rows and a log line per held message every
 * 15–30 s). 0 for every existing row. No table rewrite (a constant default).
 */
export class AddUncountedRounds1795400516000 implements MigrationInterface {
  name = 'AddUncountedRounds1795400516000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE ${table(qr, 'deliveries')} ADD COLUMN uncounted_rounds integer NOT NULL DEFAULT 0`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE ${table(qr, 'deliveries')} DROP COLUMN uncounted_rounds`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

const BEFORE = `'ACCEPTED', 'RETRYABLE_FAILURE', 'PERMANENT_FAILURE', 'AMBIGUOUS', 'BREAKER_OPEN'`;

/**
 * `delivery_attempts.outcome` may be `RATE_LIMITED`: a provider not called because it answered
 * HTTP 429 / 503 with `Retry-After` a moment ago and that time has not come (providers.md §3.2,
 * Twilio 20429 "honour Retry-After"; proto `ATTEMPT_OUTCOME_RATE_LIMITED`). The column's CHECK
 * (named by Postgres `delivery_attempts_outcome_check`) is replaced by one that allows it.
 */
export class AddRateLimitedAttemptOutcome1795400503000 implements MigrationInterface {
  name = 'AddRateLimitedAttemptOutcome1795400503000';

  async up(qr: QueryRunner): Promise<void> {
    const t = table(qr, 'delivery_attempts');
    await qr.query(`ALTER TABLE ${t} DROP CONSTRAINT IF EXISTS delivery_attempts_outcome_check`);
    await qr.query(`ALTER TABLE ${t} ADD CONSTRAINT delivery_attempts_outcome_check CHECK (outcome IN (${BEFORE}, 'RATE_LIMITED'))`);
  }

  async down(qr: QueryRunner): Promise<void> {
    const t = table(qr, 'delivery_attempts');
    await qr.query(`UPDATE ${t} SET outcome = 'BREAKER_OPEN' WHERE outcome = 'RATE_LIMITED'`);
    await qr.query(`ALTER TABLE ${t} DROP CONSTRAINT IF EXISTS delivery_attempts_outcome_check`);
    await qr.query(`ALTER TABLE ${t} ADD CONSTRAINT delivery_attempts_outcome_check CHECK (outcome IN (${BEFORE}))`);
  }
}

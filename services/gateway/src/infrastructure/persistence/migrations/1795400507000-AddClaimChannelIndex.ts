import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/**
 * `deliveries_claim_channel_idx`: due deliveries by (channel, due_at), for the dispatcher's claims
 * with per-channel limits (provider pacing: a claim takes no more rows of a paced channel than its
 * provider can start soon; PgDeliveryStore.claimDue). Partial on the claimable states like
 * `deliveries_claim_idx`, which the unlimited claim keeps using.
 */
export class AddClaimChannelIndex1795400507000 implements MigrationInterface {
  name = 'AddClaimChannelIndex1795400507000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(
      `CREATE INDEX deliveries_claim_channel_idx ON ${table(qr, 'deliveries')} (channel, due_at) WHERE status IN ('QUEUED', 'DEFERRED', 'FAILED')`,
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`DROP INDEX IF EXISTS ${table(qr, 'deliveries_claim_channel_idx')}`);
  }
}

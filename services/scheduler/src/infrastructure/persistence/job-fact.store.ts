import type { DataSource, EntityManager } from 'typeorm';
import { appendToOutbox, dataSourceSchema, qualifiedTable } from '@notify/db';
import type { JobFact, JobFactStore } from '../../application';
import { encodeScheduleEvent } from '../messaging/schedule-event.mapper';

/**
 * JobFactStore on Postgres: `<schema>.job_facts` (migration CreateJobFactsAndCampaigns1795600001000)
 * and the transactional outbox `<schema>.outbox`. A fact is inserted with
 * `ON CONFLICT (fact_key) DO NOTHING`; only when the row is new is its event appended to the
 * outbox, in the same transaction, so a fact publishes its event exactly once across runs and
 * replicas (concurrent inserts of one key serialize on the primary key). `namespace` prefixes
 * subjects (tests; undefined in production).
 */
export class PostgresJobFactStore implements JobFactStore {
  private readonly schema: string;
  private readonly table: string;

  constructor(
    private readonly ds: DataSource,
    private readonly namespace?: string,
  ) {
    this.schema = dataSourceSchema(ds);
    this.table = qualifiedTable(this.schema, 'job_facts');
  }

  async recordOnce(facts: readonly JobFact[], at: Date): Promise<{ readonly published: number }> {
    if (facts.length === 0) return { published: 0 };
    return this.ds.transaction(async (manager: EntityManager) => {
      let published = 0;
      for (const fact of facts) {
        const inserted: unknown[] = await manager.query(
          `INSERT INTO ${this.table} (fact_key, job_name, job_run_id, event_id, recorded_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (fact_key) DO NOTHING RETURNING fact_key`,
          [fact.factKey, fact.jobName, fact.jobRunId, fact.event?.eventId ?? null, at],
        );
        if (inserted.length === 0 || !fact.event) continue;
        const encoded = encodeScheduleEvent(fact.event, this.namespace);
        await appendToOutbox(manager, { id: encoded.msgID, subject: encoded.subject, data: encoded.data }, { schema: this.schema });
        published += 1;
      }
      return { published };
    });
  }

  async recorded(factKeys: readonly string[]): Promise<Set<string>> {
    if (factKeys.length === 0) return new Set();
    const rows: { fact_key: string }[] = await this.ds.query(`SELECT fact_key FROM ${this.table} WHERE fact_key = ANY($1::text[])`, [[...factKeys]]);
    return new Set(rows.map((r) => r.fact_key));
  }
}

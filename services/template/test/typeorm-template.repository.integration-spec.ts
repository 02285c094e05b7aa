import { createDataSource, runMigrations } from '@notify/db';
import { createTestSchema, type TestSchema } from '@notify/testing';
import type { DataSource } from 'typeorm';
import { DEFAULT_TEMPLATES, createTemplateUseCases, templateRefToString } from '../src';
import { TypeOrmTemplateRepository, templateEntities, templateMigrations } from '../src/infrastructure/persistence';
import { describeTemplateRepositoryContract } from './template-repository.contract';

let db: TestSchema;
let ds: DataSource;

beforeAll(async () => {
  db = await createTestSchema('template_repo');
  ds = createDataSource({ url: db.url, schema: db.schema, entities: templateEntities, migrations: templateMigrations });
  await runMigrations(ds);
});

afterAll(async () => {
  await ds?.destroy();
  await db?.dropSchema();
});

async function freshRepository(): Promise<TypeOrmTemplateRepository> {
  await ds.query(`TRUNCATE "${db.schema}".template_versions, "${db.schema}".template_heads`);
  return new TypeOrmTemplateRepository(ds);
}

describeTemplateRepositoryContract('TypeORM on Postgres', freshRepository);

describe('TypeOrmTemplateRepository on Postgres', () => {
  it('runs its migrations once (a second run finds nothing pending)', async () => {
    expect(await runMigrations(ds)).toEqual([]);
  });

  it('stores contiguous versions when writers race; the losers get ConflictError', async () => {
    const repo = await freshRepository();
    const { upsertTemplate } = createTemplateUseCases(repo);
    await upsertTemplate.execute({ key: 'race.sample', channel: 'SMS', body: 'v1', actor: 't' });
    const results = await Promise.allSettled(
      ['a', 'b', 'c'].map((b) => upsertTemplate.execute({ key: 'race.sample', channel: 'SMS', body: b, actor: 't' })),
    );
    const versions = await repo.listVersions({ key: 'race.sample', channel: 'SMS', locale: 'id' });
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3, 4].slice(0, versions.length));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(versions.length - 1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as Error).name).toBe('ConflictError');
  });

  it('seeds every default template once; a second seed run changes nothing', async () => {
    const repo = await freshRepository();
    const useCases = createTemplateUseCases(repo);
    const first = await useCases.seedDefaultTemplates.execute(DEFAULT_TEMPLATES);
    expect(first.created).toHaveLength(DEFAULT_TEMPLATES.length);
    const second = await useCases.seedDefaultTemplates.execute(DEFAULT_TEMPLATES);
    expect(second.created).toEqual([]);
    expect([...second.skipped].sort()).toEqual(DEFAULT_TEMPLATES.map((t) => templateRefToString(t)).sort());
    const heads = await repo.listHeads({});
    expect(heads).toHaveLength(DEFAULT_TEMPLATES.length);
    expect(heads.every((h) => h.activeVersion === 1 && h.latestVersion === 1 && h.activatedBy === 'seed')).toBe(true);
  });
});

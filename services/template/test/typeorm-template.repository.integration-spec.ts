import { createDataSource, runMigrations } from '@notify/db';
import { createTestSchema, type TestSchema } from '@notify/testing';
import type { DataSource } from 'typeorm';
import { DEFAULT_TEMPLATES, createTemplateUseCases, templateRefToString } from '../src';
import { TypeOrmTemplateRepository, templateEntities, templateMigrations, type TemplateRepositoryOptions } from '../src/infrastructure/persistence';
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

async function freshRepository(options?: TemplateRepositoryOptions): Promise<TypeOrmTemplateRepository> {
  await ds.query(`TRUNCATE "${db.schema}".template_versions, "${db.schema}".template_heads`);
  return new TypeOrmTemplateRepository(ds, options);
}

describeTemplateRepositoryContract('TypeORM on Postgres', () => freshRepository());
// The same contract with the active-version cache on and a TTL that never runs out within a test:
// every write through the repository must drop what findActive kept.
describeTemplateRepositoryContract('TypeORM on Postgres, active-version cache on', () => freshRepository({ activeCacheTtlMs: 3_600_000 }));

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

  it('caches the active version for the TTL: a change made through another replica shows once it runs out, one through this one at once', async () => {
    let now = 1_000_000;
    const cached = await freshRepository({ activeCacheTtlMs: 2_000, now: () => now });
    const replica = createTemplateUseCases(new TypeOrmTemplateRepository(ds));
    const local = createTemplateUseCases(cached);
    const ref = { key: 'cache.sample', channel: 'WHATSAPP' as const, locale: 'id' as const };
    await replica.upsertTemplate.execute({ ...ref, body: 'teks v1', actor: 't', activate: true });
    expect((await cached.findActive(ref))?.body).toBe('teks v1');
    expect(await cached.findActive({ ...ref, locale: 'en' as const })).toBeUndefined();
    const queries = jest.spyOn(ds, 'query');
    await replica.upsertTemplate.execute({ ...ref, body: 'teks v2', actor: 't', activate: true });
    await replica.upsertTemplate.execute({ ...ref, locale: 'en', body: 'teks en', actor: 't', activate: true });
    queries.mockClear();
    now += 1_999;
    expect((await cached.findActive(ref))?.body).toBe('teks v1');
    expect(await cached.findActive({ ...ref, locale: 'en' as const })).toBeUndefined();
    expect(queries).not.toHaveBeenCalled();
    now += 1;
    expect((await cached.findActive(ref))?.body).toBe('teks v2');
    expect((await cached.findActive({ ...ref, locale: 'en' as const }))?.body).toBe('teks en');
    expect(queries).toHaveBeenCalledTimes(2);
    queries.mockRestore();

    await local.activateTemplateVersion.execute({ ...ref, version: 1, actor: 't' });
    expect((await cached.findActive(ref))?.body).toBe('teks v1');
    await local.upsertTemplate.execute({ ...ref, body: 'teks v3', actor: 't', activate: true });
    expect((await cached.findActive(ref))?.body).toBe('teks v3');
  });

  it('does not keep the old active version cached when a render runs during the write transaction of appendVersion', async () => {
    const cached = await freshRepository({ activeCacheTtlMs: 3_600_000 });
    const local = createTemplateUseCases(cached);
    const ref = { key: 'cache.during_write', channel: 'WHATSAPP' as const, locale: 'id' as const };
    await local.upsertTemplate.execute({ ...ref, body: 'teks v1', actor: 't', activate: true });
    // A render inside the write transaction (before its commit) reads, and would cache, v1.
    const original = ds.transaction.bind(ds) as (work: (m: unknown) => Promise<unknown>) => Promise<unknown>;
    const renders: (string | undefined)[] = [];
    const tx = jest.spyOn(ds, 'transaction').mockImplementation((async (work: (m: unknown) => Promise<unknown>) =>
      original(async (m) => {
        const r = await work(m);
        renders.push((await cached.findActive(ref))?.body);
        return r;
      })) as never);
    try {
      await local.upsertTemplate.execute({ ...ref, body: 'teks v2', actor: 't', activate: true });
    } finally {
      tx.mockRestore();
    }
    expect(renders).toEqual(['teks v1']);
    expect((await cached.findActive(ref))?.body).toBe('teks v2');
  });
});

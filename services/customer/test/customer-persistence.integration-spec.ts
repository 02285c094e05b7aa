import { AlreadyExistsError, ConflictError } from '@notify/errors';
import { createDataSource, runMigrations } from '@notify/db';
import { decodeEvent } from '@notify/events';
import { commonv1, customerv1 } from '@notify/proto';
import { createTestSchema, type TestSchema } from '@notify/testing';
import type { DataSource } from 'typeorm';
import {
  createCustomerStore,
  customerEntities,
  customerMigrations,
  STREAM_PAGE_SIZE,
  type CustomerStore,
} from '../src/infrastructure/persistence';
import { seedDefaultRoutingRules, SetInvoiceStatusUseCase, uuidGenerator, type CustomerUnitOfWork } from '../src/application';
import { DEFAULT_ROUTING_RULE_INPUTS, registerCustomer, type Customer } from '../src/domain';

/** The Postgres adapters against a fresh schema: constraints, versions, keyset streaming, outbox atomicity, seeding. */
describe('customer persistence (Postgres)', () => {
  let pg: TestSchema;
  let ds: DataSource;
  let store: CustomerStore;
  const at = new Date('2026-11-22T02:00:00Z');
  const actor = { id: 'cs-1', role: 'customer_service' };
  /** A new invoice's status change: none yet (UNPAID). */
  const unchanged = { statusChangedAt: null, statusReason: '', statusChangedBy: null } as const;
  let n = 0;
  const newCustomer = (phone: string, workZone = 'karawang') =>
    registerCustomer(
      { id: `c-${++n}`, name: `Budi ${n}`, phone, address: 'Jl. Mawar 1', workZone, packageName: 'Home 50 Mbps', wantsInstallation: true },
      actor,
      { at, eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}` },
    );

  beforeAll(async () => {
    pg = await createTestSchema('customer_persist');
    ds = createDataSource({ url: pg.url, schema: pg.schema, entities: customerEntities, migrations: customerMigrations, poolSize: 3 });
    await runMigrations(ds);
    store = createCustomerStore(ds, 'tns');
  });
  afterAll(async () => {
    await ds?.destroy();
    await pg?.dropSchema();
  });

  it('has entity mappings that TypeORM finds identical to the migrated schema (no pending schema change)', async () => {
    const log = await ds.driver.createSchemaBuilder().log();
    expect(log.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('inserts a customer with its event in one transaction, and the outbox row decodes to the customer', async () => {
    const { customer, event } = newCustomer('082291921583');
    await store.uow.run(async (tx) => {
      await tx.customers.save(customer, 0);
      await tx.outbox.append(event);
    });
    expect(await store.customers.findByPhone('6282291921583')).toEqual(customer);
    const rows: { subject: string; payload: Buffer }[] = await ds.query(`SELECT subject, payload FROM "${pg.schema}".outbox WHERE id = $1`, [event.eventId]);
    expect(rows).toHaveLength(1);
    const decoded = decodeEvent(rows[0]!.subject, new Uint8Array(rows[0]!.payload));
    expect(decoded.key).toBe('customer.registered');
    expect(rows[0]!.subject).toBe('tns.notify.customer.v1.registered');
    if (decoded.key === 'customer.registered') expect(decoded.payload.customer?.phone).toBe('6282291921583');
  });

  it('rolls back the customer and the event together when the work throws', async () => {
    const { customer, event } = newCustomer('081234567890');
    await expect(
      store.uow.run(async (tx) => {
        await tx.customers.save(customer, 0);
        await tx.outbox.append(event);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.customers.findById(customer.id)).toBeNull();
    expect(await ds.query(`SELECT 1 FROM "${pg.schema}".outbox WHERE id = $1`, [event.eventId])).toHaveLength(0);
  });

  it('maps a duplicate phone to AlreadyExistsError and a stale version to ConflictError', async () => {
    const first = newCustomer('081311112222').customer;
    await store.uow.run((tx) => tx.customers.save(first, 0));
    const twin = { ...newCustomer('081311112222').customer };
    await expect(store.uow.run((tx) => tx.customers.save(twin, 0))).rejects.toBeInstanceOf(AlreadyExistsError);
    const changed: Customer = { ...first, name: 'Changed', version: 2 };
    await store.uow.run((tx) => tx.customers.save(changed, 1));
    await expect(store.uow.run((tx) => tx.customers.save({ ...first, version: 2 }, 1))).rejects.toBeInstanceOf(ConflictError);
    expect((await store.customers.findById(first.id))?.name).toBe('Changed');
  });

  it('streams every ACTIVE customer of an area across several keyset pages, in id order', async () => {
    const total = STREAM_PAGE_SIZE * 2 + 7;
    await ds.query(
      `INSERT INTO "${pg.schema}".customers (id, name, phone, address, work_zone, package_name, status, wants_installation, created_at, updated_at, version)
       SELECT 'bulk-' || lpad(g::text, 6, '0'), 'Bulk ' || g, '6289' || lpad(g::text, 9, '0'), 'addr', 'bekasi', 'p',
              CASE WHEN g % 10 = 0 THEN 'PENDING' ELSE 'ACTIVE' END, false, now(), now(), 1
       FROM generate_series(1, $1::int) g`,
      [total],
    );
    const ids: string[] = [];
    for await (const c of store.customers.streamActive({ area: 'bekasi' })) ids.push(c.id);
    const expected = Array.from({ length: total }, (_, i) => i + 1).filter((g) => g % 10 !== 0);
    expect(ids).toEqual(expected.map((g) => `bulk-${String(g).padStart(6, '0')}`));
    // Other areas stay out.
    for await (const c of store.customers.streamActive({ area: 'karawang' })) expect(c.workZone).toBe('karawang');
  });

  it('stores invoices as bigint rupiah and calendar dates, and lists UNPAID ones due on the given dates', async () => {
    const c = newCustomer('081399998888').customer;
    await store.uow.run((tx) => tx.customers.save(c, 0));
    const due = ['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-29'];
    for (const [i, dueDate] of due.entries()) {
      await store.invoices.insert({ id: `inv-${i}`, customerId: c.id, number: null, amount: 150_000 + i, dueDate, status: 'UNPAID', description: '', createdAt: at, ...unchanged });
    }
    await expect(
      store.invoices.insert({ id: 'inv-0', customerId: c.id, number: null, amount: 1, dueDate: '2026-11-23', status: 'UNPAID', description: '', createdAt: at, ...unchanged }),
    ).rejects.toBeInstanceOf(AlreadyExistsError);
    await store.invoices.insert({ id: 'inv-n1', customerId: c.id, number: 'TAG-2026-0001', amount: 1, dueDate: '2026-12-30', status: 'UNPAID', description: '', createdAt: at, ...unchanged });
    await expect(
      store.invoices.insert({ id: 'inv-n2', customerId: c.id, number: 'TAG-2026-0001', amount: 1, dueDate: '2026-12-30', status: 'UNPAID', description: '', createdAt: at, ...unchanged }),
    ).rejects.toThrow(/invoice number TAG-2026-0001 already exists/);
    const page1 = await store.invoices.listUnpaidDue(['2026-11-23', '2026-11-25', '2026-11-29'], 2, null);
    expect(page1.map((i) => [i.dueDate, i.amount])).toEqual([
      ['2026-11-23', 150_000],
      ['2026-11-25', 150_002],
    ]);
    const page2 = await store.invoices.listUnpaidDue(['2026-11-23', '2026-11-25', '2026-11-29'], 2, { dueDate: '2026-11-25', id: 'inv-2' });
    expect(page2.map((i) => i.dueDate)).toEqual(['2026-11-29']);
  });

  it('seeds the default routing rules once and never overwrites an edit', async () => {
    expect(await seedDefaultRoutingRules(store.rules)).toBe(DEFAULT_ROUTING_RULE_INPUTS.length);
    const [first] = await store.rules.list({ notificationType: 'ticket.created' });
    await store.rules.upsert({ ...first!, enabled: false, source: 'edited by admin' });
    expect(await seedDefaultRoutingRules(store.rules)).toBe(0);
    const again = (await store.rules.list({ notificationType: 'ticket.created' })).find((r) => r.id === first!.id);
    expect(again).toMatchObject({ enabled: false, source: 'edited by admin' });
  });

  it('caches the routing rules of a type for the TTL: an edit through another replica shows once it runs out, one through this replica at once', async () => {
    if ((await store.rules.list({ notificationType: 'ticket.created' })).length === 0) await seedDefaultRoutingRules(store.rules);
    let now = 5_000_000;
    const cached = createCustomerStore(ds, 'tns', { rulesCache: { ttlMs: 2_000, now: () => now } });
    const [rule] = await cached.rules.list({ notificationType: 'ticket.created' });
    const stored = async () => (await cached.rules.list({ notificationType: 'ticket.created' })).find((r) => r.id === rule!.id)!;
    await store.rules.upsert({ ...rule!, templateKey: 'edited.on.another.replica' });
    now += 1_999;
    expect((await stored()).templateKey).toBe(rule!.templateKey);
    now += 1;
    expect((await stored()).templateKey).toBe('edited.on.another.replica');
    await cached.rules.upsert({ ...rule!, templateKey: 'edited.here' });
    expect((await stored()).templateKey).toBe('edited.here');
    await store.rules.upsert(rule!);
  });

  it('keeps staff phones, group chat ids and opt-outs unique', async () => {
    const staff = { id: 's-1', name: 'Lufti', role: 'technician' as const, phone: '6281200000001', workZones: ['karawang'], active: true, createdAt: at };
    await store.staff.insert(staff);
    await expect(store.staff.insert({ ...staff, id: 's-2' })).rejects.toBeInstanceOf(AlreadyExistsError);
    expect(await store.staff.list({ workZone: 'karawang' }, 10, null)).toEqual([staff]);
    expect(await store.staff.list({ workZone: 'bekasi' }, 10, null)).toEqual([]);
    const group = {
      id: 'g-1', name: 'Teknisi Karawang', description: null, chatId: '120363042111111111@g.us', category: 'technicians' as const,
      workZone: 'karawang', notificationTypes: ['ticket.created'], active: true, createdAt: at, updatedAt: at,
    };
    await store.groups.insert(group);
    await expect(store.groups.insert({ ...group, id: 'g-2', name: 'Other name' })).rejects.toThrow(/chat id/);
    await expect(store.groups.insert({ ...group, id: 'g-3', chatId: '120363042111111112@g.us' })).rejects.toThrow(/group name/);
    await expect(store.groups.insert({ ...group, id: 'g-3', chatId: '120363042111111112@g.us' })).rejects.toBeInstanceOf(AlreadyExistsError);
    const first = { phone: '6281200000001', channel: 'SMS' as const, reason: 'STOP', at };
    expect(await store.optOuts.addIfAbsent(first)).toEqual(first);
    // A repeat is returned unchanged: the first reason and time are kept.
    expect(await store.optOuts.addIfAbsent({ ...first, reason: 'STOP again', at: new Date(at.getTime() + 60_000) })).toEqual(first);
    expect(await store.optOuts.findByPhones(['6281200000001'])).toEqual([first]);
  });
  it('reads the preferences and opt-outs of a batch in one statement, each where it belongs', async () => {
    const prefs = {
      subject: { kind: 'customer' as const, id: 'facts-c1' }, channels: { WHATSAPP: false, SMS: true }, optedOutTypes: ['campaign.promotion'],
      quietHours: { start: '21:00', end: '07:00' }, timeZone: 'Asia/Jakarta', locale: 'en' as const, updatedAt: at,
    };
    await store.preferences.save(prefs);
    await store.preferences.save({ ...prefs, subject: { kind: 'staff', id: 'facts-c1' }, locale: 'id' });
    await store.optOuts.addIfAbsent({ phone: '6281300000001', channel: 'WHATSAPP', reason: null, at });
    await store.optOuts.addIfAbsent({ phone: '6281300000001', channel: 'SMS', reason: 'STOP', at });
    await store.optOuts.addIfAbsent({ phone: '6281300000002', channel: 'SMS', reason: 'STOP', at });

    const facts = await store.facts.factsOf(
      [{ kind: 'customer', id: 'facts-c1' }, { kind: 'customer', id: 'facts-none' }],
      ['6281300000001', '6281300000009'],
    );
    expect([...facts.preferences.entries()]).toEqual([['customer:facts-c1', prefs]]);
    expect([...facts.optedOut.entries()].map(([phone, set]) => [phone, [...set].sort()])).toEqual([['6281300000001', ['SMS', 'WHATSAPP']]]);
    expect(await store.facts.factsOf([], [])).toEqual({ preferences: new Map(), optedOut: new Map() });
    const onlyPhones = await store.facts.factsOf([], ['6281300000002']);
    expect(onlyPhones.preferences.size).toBe(0);
    expect([...onlyPhones.optedOut.keys()]).toEqual(['6281300000002']);
  });
  it('answers concurrent reads (batched into one statement each) with exactly what each caller asked for', async () => {
    const tech = { id: 'b-t1', name: 'Andi', role: 'technician' as const, phone: '6281400000001', workZones: ['bekasi'], active: true, createdAt: at };
    const sup = { id: 'b-s1', name: 'Sari', role: 'supervisor' as const, phone: '6281400000002', workZones: [], active: true, createdAt: at };
    await store.staff.insert(tech);
    await store.staff.insert(sup);
    const c = newCustomer('081400000003').customer;
    await store.uow.run(async (tx) => tx.customers.save(c, 0));
    await store.preferences.save({
      subject: { kind: 'staff', id: 'b-t1' }, channels: { WHATSAPP: true, SMS: false }, optedOutTypes: [], quietHours: null,
      timeZone: 'Asia/Jakarta', locale: 'id', updatedAt: at,
    });
    await store.optOuts.addIfAbsent({ phone: '6281400000002', channel: 'WHATSAPP', reason: null, at });
    const [byId, none, customer, techs, sups, everyone, techFacts, supFacts] = await Promise.all([
      store.staff.findById('b-t1'),
      store.staff.findById('b-nobody'),
      store.customers.findById(c.id),
      store.staff.listByRoles(['technician']),
      store.staff.listByRoles(['supervisor']),
      store.staff.listByRoles(null),
      store.facts.factsOf([{ kind: 'staff', id: 'b-t1' }], ['6281400000001']),
      store.facts.factsOf([{ kind: 'staff', id: 'b-s1' }], ['6281400000002']),
    ]);
    expect([byId, none, customer]).toEqual([tech, null, c]);
    expect(techs.every((s) => s.role === 'technician') && techs.some((s) => s.id === 'b-t1')).toBe(true);
    expect(sups.every((s) => s.role === 'supervisor') && sups.some((s) => s.id === 'b-s1')).toBe(true);
    expect(everyone.map((s) => s.id)).toEqual([...everyone.map((s) => s.id)].sort());
    expect(everyone.map((s) => s.id)).toEqual(expect.arrayContaining(['b-t1', 'b-s1']));
    expect([[...techFacts.preferences.keys()], [...techFacts.optedOut.keys()]]).toEqual([['staff:b-t1'], []]);
    expect([[...supFacts.preferences.keys()], [...supFacts.optedOut.keys()]]).toEqual([[], ['6281400000002']]);
  });
  it('lists customers by any of several statuses and by a case-insensitive name or phone substring (LIKE wildcards taken literally)', async () => {
    const a = { ...newCustomer('081377770001', 'cikampek').customer, name: 'Siti 100% Aman' };
    const b = { ...newCustomer('081377770002', 'cikampek').customer, name: 'Sitinjak', status: 'ACTIVE' as const };
    const c = { ...newCustomer('081377770003', 'cikampek').customer, name: 'Budi', status: 'SUSPENDED' as const };
    for (const x of [a, b, c]) await store.uow.run((tx) => tx.customers.save(x, 0));
    const ids = async (filter: Parameters<CustomerStore['customers']['list']>[0]) =>
      (await store.customers.list({ workZone: 'cikampek', ...filter }, 10, null)).map((x) => x.id).sort();
    expect(await ids({ query: 'siti' })).toEqual([a.id, b.id].sort());
    expect(await ids({ query: '0% a' })).toEqual([a.id]);
    expect(await ids({ query: '%' })).toEqual([a.id]);
    expect(await ids({ query: '77770003' })).toEqual([c.id]);
    expect(await ids({ statuses: ['ACTIVE', 'SUSPENDED'] })).toEqual([b.id, c.id].sort());
    expect(await ids({ statuses: ['PENDING'], query: 'SITI' })).toEqual([a.id]);
    // Ordered by name then id, keyset-paged on (name, id).
    const d = { ...newCustomer('081377770004', 'cikampek').customer, name: 'Budi' };
    await store.uow.run((tx) => tx.customers.save(d, 0));
    const names = (rows: Customer[]) => rows.map((x) => [x.name, x.id]);
    const budis = [c, d].map((x) => ['Budi', x.id]).sort((x, y) => (x[1]! < y[1]! ? -1 : 1));
    const p1 = await store.customers.list({ workZone: 'cikampek' }, 2, null);
    expect(names(p1)).toEqual(budis);
    const last = p1.at(-1)!;
    expect(names(await store.customers.list({ workZone: 'cikampek' }, 10, { name: last.name, id: last.id }))).toEqual([
      ['Siti 100% Aman', a.id],
      ['Sitinjak', b.id],
    ]);
  });

  it('matches a phone-like query also as the stored digits: a prefix (0822…, +62 822…) or digits contained (822…), ORed with the name', async () => {
    const a = { ...newCustomer('082274410001', 'jatisari').customer, name: 'Dewi' };
    const b = { ...newCustomer('+254 798 744100', 'jatisari').customer, name: 'Otieno 0822744' };
    const c = { ...newCustomer('081274410003', 'jatisari').customer, name: 'Agus' };
    for (const x of [a, b, c]) await store.uow.run((tx) => tx.customers.save(x, 0));
    const ids = async (query: string, phone?: { digits: string; prefix: boolean }) =>
      (await store.customers.list({ workZone: 'jatisari', query, ...(phone ? { phone } : {}) }, 10, null)).map((x) => x.id).sort();
    expect(b.phone).toBe('254798744100');
    expect(await ids('0822744')).toEqual([b.id]); // the name only, without the phone reading
    expect(await ids('0822744', { digits: '62822744', prefix: true })).toEqual([a.id, b.id].sort());
    expect(await ids('+254 798', { digits: '254798', prefix: true })).toEqual([b.id]);
    expect(await ids('7441', { digits: '7441', prefix: false })).toEqual([a.id, b.id, c.id].sort());
    expect(await ids('0798', { digits: '62798', prefix: true })).toEqual([]); // a prefix, not anywhere
  });

  it('pages customers (all, or of an area) and staff by name from an index, without sorting the table', async () => {
    const plan = async (sql: string, params: unknown[]): Promise<string> => {
      const qr = ds.createQueryRunner();
      try {
        await qr.startTransaction();
        // Ask whether an index CAN serve the order, whatever the table's size: with scans of the
        // table and sorts priced out, a plan still sorts only when no index gives that order.
        await qr.query('SET LOCAL enable_seqscan = off');
        await qr.query('SET LOCAL enable_sort = off');
        const rows: Array<{ 'QUERY PLAN': string }> = await qr.query(`EXPLAIN ${sql}`, params);
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      } finally {
        await qr.rollbackTransaction();
        await qr.release();
      }
    };
    const t = (name: string) => `"${pg.schema}".${name}`;
    const byName = `ORDER BY name COLLATE "C", id COLLATE "C" LIMIT 50`;
    const keyset = `(name COLLATE "C", id COLLATE "C") > ($1, $2)`;
    for (const [sql, params] of [
      [`SELECT id FROM ${t('customers')} WHERE ${keyset} ${byName}`, ['Budi', 'c-1']],
      [`SELECT id FROM ${t('customers')} WHERE work_zone = $3 AND ${keyset} ${byName}`, ['Budi', 'c-1', 'cikampek']],
      [`SELECT id FROM ${t('staff')} WHERE ${keyset} ${byName}`, ['Budi', 's-1']],
    ] as const) {
      const p = await plan(sql, [...params]);
      expect(p).toMatch(/Index (Only )?Scan using (customers_name_idx|customers_zone_name_idx|staff_name_idx)/);
      expect(p).not.toMatch(/Sort/);
    }
  });

  /** The stored number of invoice `id`. */
  const numberOf = async (id: string): Promise<string | null> =>
    ((await ds.query(`SELECT number FROM "${pg.schema}".invoices WHERE id = $1`, [id])) as { number: string | null }[])[0]?.number ?? null;
  const unnumbered = (id: string, customerId: string, createdAt: string, description = '') =>
    ({ id, customerId, number: null, amount: 150_000, dueDate: '2027-06-30', status: 'UNPAID', description, createdAt: new Date(createdAt), ...unchanged }) as const;

  it('numbers invoices stored without a number INV-YYYYMM-NNNN: YYYYMM the month of creation in Asia/Jakarta, NNNN a sequence per month', async () => {
    const c = newCustomer('081300001111').customer;
    await store.uow.run((tx) => tx.customers.save(c, 0));
    // 2026-12-31 23:59 WIB is still December; 2027-01-01 00:00 WIB is January although it is 2026-12-31 in UTC.
    await store.invoices.insert(unnumbered('gen-1', c.id, '2026-12-01T03:00:00Z'));
    await store.invoices.insert(unnumbered('gen-2', c.id, '2026-12-31T16:59:59Z'));
    await store.invoices.insert(unnumbered('gen-3', c.id, '2026-12-31T17:00:00Z'));
    await store.invoices.insert(unnumbered('gen-4', c.id, '2026-12-15T03:00:00Z'));
    expect(await Promise.all(['gen-1', 'gen-2', 'gen-3', 'gen-4'].map(numberOf))).toEqual([
      'INV-202612-0001',
      'INV-202612-0002',
      'INV-202701-0001',
      'INV-202612-0003',
    ]);
  });

  it('skips a number an explicit invoice already holds, and keeps an explicit number as given', async () => {
    const c = newCustomer('081300002222').customer;
    await store.uow.run((tx) => tx.customers.save(c, 0));
    await store.invoices.insert({ ...unnumbered('exp-1', c.id, '2027-02-01T03:00:00Z'), number: 'INV-202702-0002' });
    await store.invoices.insert(unnumbered('exp-2', c.id, '2027-02-02T03:00:00Z'));
    await store.invoices.insert(unnumbered('exp-3', c.id, '2027-02-03T03:00:00Z'));
    expect(await Promise.all(['exp-1', 'exp-2', 'exp-3'].map(numberOf))).toEqual(['INV-202702-0002', 'INV-202702-0001', 'INV-202702-0003']);
    const dup = await store.invoices.insert({ ...unnumbered('exp-4', c.id, '2027-02-04T03:00:00Z'), number: 'INV-202702-0003' }).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(AlreadyExistsError);
    expect((dup as Error).message).toBe('invoice number INV-202702-0003 already exists');
    // A duplicate id is still ALREADY_EXISTS, and takes no number.
    await expect(store.invoices.insert(unnumbered('exp-3', c.id, '2027-02-05T03:00:00Z'))).rejects.toBeInstanceOf(AlreadyExistsError);
    await store.invoices.insert(unnumbered('exp-5', c.id, '2027-02-06T03:00:00Z'));
    expect(await numberOf('exp-5')).toBe('INV-202702-0004');
  });

  it('names the holder of a taken invoice number or phone from the insert itself (AlreadyExistsError entity / id), also for one inserted concurrently', async () => {
    const held = newCustomer('081300007771').customer;
    await store.uow.run((tx) => tx.customers.save(held, 0));
    await store.invoices.insert({ ...unnumbered('hold-1', held.id, '2027-03-01T03:00:00Z'), number: 'TAG-HOLD-1' });
    const dup = await store.invoices.insert({ ...unnumbered('hold-2', held.id, '2027-03-02T03:00:00Z'), number: 'TAG-HOLD-1' }).catch((e: unknown) => e);
    expect(dup).toMatchObject({ kind: 'ALREADY_EXISTS', entity: 'invoice', id: 'hold-1', message: 'invoice number TAG-HOLD-1 already exists' });
    // Inside a unit of work the conflict leaves the transaction usable (no aborted transaction).
    const inTx = await store.uow.run(async (tx) => {
      const e = await tx.invoices.insert({ ...unnumbered('hold-3', held.id, '2027-03-03T03:00:00Z'), number: 'TAG-HOLD-1' }).catch((x: unknown) => x);
      return { e, found: await tx.invoices.findById('hold-1') };
    });
    expect(inTx.e).toMatchObject({ entity: 'invoice', id: 'hold-1' });
    expect(inTx.found?.number).toBe('TAG-HOLD-1');
    // The same phone inserted by a transaction that commits while this one waits: named too.
    const twin = newCustomer('081300007772').customer;
    let release!: () => void;
    const holding = new Promise<void>((r) => (release = r));
    const first = store.uow.run(async (tx) => {
      await tx.customers.save(twin, 0);
      await holding;
    });
    await new Promise((r) => setTimeout(r, 50));
    const second = store.uow.run((tx) => tx.customers.save(newCustomer('0813-0000-7772').customer, 0)).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    release();
    await first;
    expect(await second).toMatchObject({ kind: 'ALREADY_EXISTS', entity: 'customer', id: twin.id, message: `phone ${twin.phone} already belongs to customer ${twin.id}` });
  });

  it('claims a RegisterCustomer / CreateInvoice request id once, whoever races for it; each RPC has its own keys', async () => {
    const claims = await Promise.all(['e-1', 'e-2', 'e-3'].map((id) => store.uow.run((tx) => tx.requests.claim('CreateInvoice', 'rid-1', id, `fp-${id}`))));
    const won = claims.findIndex((c) => c === null);
    expect(claims.filter((c) => c === null)).toHaveLength(1);
    const winner = `e-${won + 1}`;
    for (const c of claims) if (c) expect(c).toEqual({ entityId: winner, fingerprint: `fp-${winner}` });
    expect(await store.uow.run((tx) => tx.requests.claim('RegisterCustomer', 'rid-1', 'c-x', 'fp'))).toBeNull();
    // A key whose transaction rolled back is free again.
    await expect(store.uow.run(async (tx) => {
      await tx.requests.claim('CreateInvoice', 'rid-2', 'e-9', 'fp');
      throw new Error('rolled back');
    })).rejects.toThrow('rolled back');
    expect(await store.uow.run((tx) => tx.requests.claim('CreateInvoice', 'rid-2', 'e-10', 'fp'))).toBeNull();
  });

  it('gives concurrent inserts without a number, through two DataSources (two replicas), distinct numbers without gaps', async () => {
    const c = newCustomer('081300003333').customer;
    await store.uow.run((tx) => tx.customers.save(c, 0));
    const other = createDataSource({ url: pg.url, schema: pg.schema, entities: customerEntities, migrations: customerMigrations, poolSize: 3 });
    await other.initialize();
    try {
      const replicas = [store, createCustomerStore(other, 'tns')];
      const ids = Array.from({ length: 24 }, (_, i) => `conc-${i}`);
      await Promise.all(ids.map((id, i) => replicas[i % 2]!.invoices.insert(unnumbered(id, c.id, '2027-03-10T03:00:00Z'))));
      const numbers = await Promise.all(ids.map(numberOf));
      expect([...numbers].sort()).toEqual(ids.map((_, i) => `INV-202703-${String(i + 1).padStart(4, '0')}`));
    } finally {
      await other.destroy();
    }
  });

  it('stores the description and reads it back with the number', async () => {
    const c = newCustomer('081300004444').customer;
    await store.uow.run((tx) => tx.customers.save(c, 0));
    await store.invoices.insert(unnumbered('desc-1', c.id, '2027-05-02T03:00:00Z', 'Desember 2026'));
    await store.invoices.insert({ ...unnumbered('desc-2', c.id, '2027-05-02T03:00:00Z'), number: 'TAG-DESC-2' });
    const due = await store.invoices.listUnpaidDue(['2027-06-30'], 100, null);
    expect(due.filter((i) => i.id.startsWith('desc-')).map((i) => [i.id, i.number, i.description])).toEqual([
      ['desc-1', 'INV-202705-0001', 'Desember 2026'],
      ['desc-2', 'TAG-DESC-2', ''],
    ]);
  });

  describe('SetInvoiceStatus through the unit of work', () => {
    const changedAt = new Date('2027-03-05T04:00:00Z');
    const setStatus = (uow: CustomerUnitOfWork = store.uow) =>
      new SetInvoiceStatusUseCase({ invoices: store.invoices, uow, clock: { now: () => changedAt }, ids: uuidGenerator });
    const SUBJECT = 'tns.notify.customer.v1.invoice_status_changed';
    /** The invoice_status_changed outbox rows about `invoiceId`, decoded. */
    const eventsAbout = async (invoiceId: string) => {
      const rows: { subject: string; payload: Buffer }[] = await ds.query(`SELECT subject, payload FROM "${pg.schema}".outbox WHERE subject LIKE '%invoice_status_changed' ORDER BY position`);
      return rows
        .map((r) => ({ subject: r.subject, decoded: decodeEvent(r.subject, new Uint8Array(r.payload)) }))
        .filter((r) => r.decoded.key === 'customer.invoice_status_changed' && r.decoded.payload.invoice?.id === invoiceId);
    };

    it('stores a change with its invoice_status_changed event in one transaction; the outbox row decodes to the invoice; a repeat publishes nothing', async () => {
      const c = newCustomer('081300005555').customer;
      await store.uow.run((tx) => tx.customers.save(c, 0));
      await store.invoices.insert({ ...unnumbered('st-1', c.id, '2027-03-01T03:00:00Z'), number: 'TAG-ST-1' });
      const paid = await setStatus().execute({ role: 'service' }, { number: 'TAG-ST-1', status: 'PAID', reason: 'transfer BCA 05/03', actorId: 'billing-sync' });
      expect(paid.changed).toBe(true);
      expect(await store.invoices.findById('st-1')).toEqual(paid.invoice);

      const events = await eventsAbout('st-1');
      expect(events).toHaveLength(1);
      expect(events[0]!.subject).toBe(SUBJECT);
      const { decoded } = events[0]!;
      if (decoded.key !== 'customer.invoice_status_changed') throw new Error(`unexpected ${decoded.key}`);
      expect(decoded.payload).toEqual({
        eventId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        occurredAt: changedAt,
        invoice: customerv1.Invoice.fromPartial({
          id: 'st-1',
          customerId: c.id,
          number: 'TAG-ST-1',
          amountRupiah: '150000',
          dueDate: '2027-06-30',
          status: customerv1.InvoiceStatus.INVOICE_STATUS_PAID,
          description: '',
          createdAt: new Date('2027-03-01T03:00:00Z'),
          paidAt: changedAt,
          statusChangedAt: changedAt,
          statusReason: 'transfer BCA 05/03',
          statusChangedBy: 'billing-sync',
        }),
        previousStatus: customerv1.InvoiceStatus.INVOICE_STATUS_UNPAID,
        actor: { kind: commonv1.ActorKind.ACTOR_KIND_SERVICE, id: 'billing-sync', name: '', role: commonv1.Role.ROLE_SERVICE },
      });

      // The same status again: no change, no second event.
      expect((await setStatus().execute({ role: 'admin', staffId: 'adm-1' }, { invoiceId: 'st-1', status: 'PAID' })).changed).toBe(false);
      expect(await eventsAbout('st-1')).toHaveLength(1);
    });

    it('rolls the status change back when the outbox append fails (nothing stored, nothing published)', async () => {
      const c = newCustomer('081300006666').customer;
      await store.uow.run((tx) => tx.customers.save(c, 0));
      await store.invoices.insert({ ...unnumbered('st-2', c.id, '2027-03-01T03:00:00Z'), number: 'TAG-ST-2' });
      // The real transaction, with an outbox that fails after the UPDATE ran in it.
      const failingOutbox: CustomerUnitOfWork = {
        run: (work) =>
          store.uow.run((tx) =>
            work({
              ...tx,
              outbox: {
                append: async () => {
                  throw new Error('outbox down');
                },
              },
            }),
          ),
      };
      await expect(setStatus(failingOutbox).execute({ role: 'customer_service', staffId: 'cs-1' }, { invoiceId: 'st-2', status: 'CANCELLED' })).rejects.toThrow('outbox down');
      expect(await store.invoices.findById('st-2')).toMatchObject({ status: 'UNPAID', statusChangedAt: null, statusReason: '', statusChangedBy: null });
      expect(await eventsAbout('st-2')).toEqual([]);
      // Retried with the outbox working: stored, and published once.
      expect((await setStatus().execute({ role: 'customer_service', staffId: 'cs-1' }, { invoiceId: 'st-2', status: 'CANCELLED' })).invoice.status).toBe('CANCELLED');
      expect((await eventsAbout('st-2')).map((e) => e.decoded.payload)).toMatchObject([
        { invoice: { status: customerv1.InvoiceStatus.INVOICE_STATUS_VOID, statusChangedBy: 'cs-1' }, previousStatus: customerv1.InvoiceStatus.INVOICE_STATUS_UNPAID },
      ]);
    });
  });

  it('migration 1795400400000 numbers the invoices stored without one (after the numbers of that form already there) and continues their months', async () => {
    const old = await createTestSchema('customer_inv_mig');
    const latest = customerMigrations.find((m) => m.name === 'InvoiceNumbersAndDescriptions1795400400000');
    expect(latest).toBeDefined();
    const earlier = customerMigrations.filter((m) => m !== latest);
    const before = createDataSource({ url: old.url, schema: old.schema, entities: customerEntities, migrations: earlier, poolSize: 1 });
    let after: DataSource | undefined;
    try {
      await runMigrations(before);
      const q = (sql: string, params: unknown[] = []) => before.query(sql.replaceAll('<s>', `"${old.schema}"`), params);
      await q(
        `INSERT INTO <s>.customers (id, name, phone, address, work_zone, package_name, status, wants_installation, created_at, updated_at, version)
         VALUES ('mc', 'Budi', '6281300005555', 'addr', 'karawang', 'p', 'ACTIVE', false, now(), now(), 1)`,
      );
      for (const [id, number, createdAt] of [
        ['m-late-nov', null, '2026-11-30T16:59:00Z'], // 23:59 WIB, November
        ['m-dec', null, '2026-11-30T17:00:00Z'], // 00:00 WIB, December
        ['m-early-nov', null, '2026-11-10T03:00:00Z'],
        ['m-explicit', 'INV-202611-0007', '2026-11-05T03:00:00Z'],
        ['m-other', 'TAG/7', '2026-11-06T03:00:00Z'],
      ] as const) {
        await q(`INSERT INTO <s>.invoices (id, customer_id, number, amount_rupiah, due_date, status, created_at) VALUES ($1, 'mc', $2, 1000, '2026-12-20', 'UNPAID', $3)`, [
          id,
          number,
          createdAt,
        ]);
      }
      await before.destroy();
      after = createDataSource({ url: old.url, schema: old.schema, entities: customerEntities, migrations: customerMigrations, poolSize: 1 });
      await runMigrations(after);
      const rows: { id: string; number: string; description: string }[] = await after.query(
        `SELECT id, number, description FROM "${old.schema}".invoices ORDER BY id`,
      );
      expect(rows.map((r) => [r.id, r.number, r.description])).toEqual([
        ['m-dec', 'INV-202612-0001', ''],
        ['m-early-nov', 'INV-202611-0008', ''],
        ['m-explicit', 'INV-202611-0007', ''],
        ['m-late-nov', 'INV-202611-0009', ''],
        ['m-other', 'TAG/7', ''],
      ]);
      const migrated = createCustomerStore(after, 'tns');
      await migrated.invoices.insert(unnumbered('m-next-nov', 'mc', '2026-11-20T03:00:00Z'));
      await migrated.invoices.insert(unnumbered('m-next-dec', 'mc', '2026-12-20T03:00:00Z'));
      const next: { id: string; number: string }[] = await after.query(`SELECT id, number FROM "${old.schema}".invoices WHERE id LIKE 'm-next-%' ORDER BY id`);
      expect(next.map((r) => [r.id, r.number])).toEqual([
        ['m-next-dec', 'INV-202612-0002'],
        ['m-next-nov', 'INV-202611-0010'],
      ]);
    } finally {
      if (before.isInitialized) await before.destroy();
      if (after?.isInitialized) await after.destroy();
      await old.dropSchema();
    }
  });
});

import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { callUnary, createClient } from '@notify/grpc-kit';
import { createLogger } from '@notify/logger';
import { commonv1, templatev1 } from '@notify/proto';
import { createTestSchema, type TestSchema } from '@notify/testing';
import { DEFAULT_TEMPLATES, type DefaultTemplate } from '../src';
import { loadTemplateConfig } from '../src/config';
import { startTemplateService, type RunningTemplateService } from '../src/server';
import { SEED_GOLDEN_CASES } from './fixtures/golden-cases';
import { fillPlaceholders, readFixture } from './support/fixtures';

/**
 * The template service through its real gRPC API: Postgres (a fresh schema), migrations and
 * the seed step of server.ts, the gRPC server on 127.0.0.1 port 0, a real client with an API
 * key.
 */
const ADMIN_KEY = 'template-it-admin-key-0001';
const TECH_KEY = 'template-it-technician-key-01';
const { Channel, Locale } = commonv1;
const { SmsEncoding } = templatev1;

let db: TestSchema;
let service: RunningTemplateService;
let client: templatev1.TemplateServiceClient;

beforeAll(async () => {
  db = await createTestSchema('template_grpc');
  const config = loadTemplateConfig({
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    DATABASE_SCHEMA: db.schema,
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: '0',
    NOTIFY_API_KEYS: `${ADMIN_KEY}:admin,${TECH_KEY}:technician`,
    // Every render reads Postgres here: the specs below count those reads per call (the
    // active-version cache has its own spec, typeorm-template.repository.integration-spec.ts).
    TEMPLATE_CACHE_TTL_MS: '0',
  });
  service = await startTemplateService(config, createLogger({ service: 'template', level: 'silent' }));
  client = createClient(templatev1.TemplateServiceClient, `127.0.0.1:${service.grpc.port}`, { apiKey: ADMIN_KEY });
});

afterAll(async () => {
  (client as unknown as grpc.Client | undefined)?.close();
  await service?.stop();
  await db?.dropSchema();
});

/** The gRPC status and details a call failed with. */
async function failure(call: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await call;
  } catch (err) {
    const raw = ((err as { cause?: unknown }).cause ?? err) as grpc.ServiceError;
    return { code: raw.code, details: raw.details };
  }
  throw new Error('the call succeeded');
}

const idOf = (t: { key: string; channel: string; locale: string }) => `${t.key}/${t.channel}/${t.locale}`;
const seedCases = new Map(SEED_GOLDEN_CASES.map((c) => [idOf(c), c]));
function expectedText(t: DefaultTemplate): string {
  const c = seedCases.get(idOf(t));
  return c ? fillPlaceholders(readFixture(join('seeds', c.fixture)), c.fill) : readFixture(`authored/${t.key}.${t.channel}.${t.locale}.txt`);
}
const protoChannel = (c: string) => (c === 'SMS' ? Channel.CHANNEL_SMS : Channel.CHANNEL_WHATSAPP);
const protoLocale = (l: string) => (l === 'en' ? Locale.LOCALE_EN : Locale.LOCALE_ID);

describe('seeded templates through RenderTemplate', () => {
  it.each(DEFAULT_TEMPLATES.map((t) => [idOf(t), t] as const))('%s renders the golden text with the seed example values', async (_id, t) => {
    const res = await callUnary(client, 'renderTemplate', {
      key: t.key,
      channel: protoChannel(t.channel),
      locale: protoLocale(t.locale),
      variables: { ...t.sampleVariables },
      version: 0,
    });
    expect(Buffer.from(res.text, 'utf8').equals(Buffer.from(expectedText(t), 'utf8'))).toBe(true);
    expect(res.version).toBe(1);
  });

  it('lists every seeded template once, active version 1, in pages', async () => {
    const seen: templatev1.Template[] = [];
    let pageToken = '';
    do {
      const res = await callUnary(client, 'listTemplates', {
        keyPrefix: '',
        channel: Channel.CHANNEL_UNSPECIFIED,
        locale: Locale.LOCALE_UNSPECIFIED,
        page: { pageSize: 7, pageToken },
      });
      expect(res.templates.length).toBeLessThanOrEqual(7);
      seen.push(...res.templates);
      pageToken = res.nextPageToken;
    } while (pageToken);
    expect(seen.map((t) => `${t.key}/${t.channel}/${t.locale}`).sort()).toEqual(
      DEFAULT_TEMPLATES.map((t) => `${t.key}/${protoChannel(t.channel)}/${protoLocale(t.locale)}`).sort(),
    );
    expect(seen.every((t) => t.active && t.version === 1 && t.createdBy?.kind === commonv1.ActorKind.ACTOR_KIND_SYSTEM)).toBe(true);
  });
});

describe('errors', () => {
  it('missing variables → INVALID_ARGUMENT naming every missing one', async () => {
    const t = DEFAULT_TEMPLATES.find((d) => d.key === 'ticket.created.disturbance' && d.channel === 'WHATSAPP')!;
    const names = Object.keys(t.sampleVariables);
    expect(names.length).toBeGreaterThanOrEqual(2);
    const partial = { ...t.sampleVariables } as Record<string, unknown>;
    const dropped = names.slice(0, 2);
    for (const n of dropped) delete partial[n];
    const err = await failure(
      callUnary(client, 'renderTemplate', { key: t.key, channel: Channel.CHANNEL_WHATSAPP, locale: Locale.LOCALE_ID, variables: partial, version: 0 }),
    );
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    for (const n of dropped) expect(err.details).toContain(n);
  });

  it('a body that does not parse → INVALID_ARGUMENT with line and column, nothing stored', async () => {
    const err = await failure(
      callUnary(client, 'upsertTemplate', {
        key: 'it.broken',
        channel: Channel.CHANNEL_SMS,
        locale: Locale.LOCALE_ID,
        body: 'Halo {{ name }}\nTiket {{ number ',
        description: '',
        sampleVariables: { name: 'Budi', number: 'X' },
        keepActiveVersion: false, allowUnsuppliedVariables: false,
      }),
    );
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/line 2, column \d+/);
    const missing = await failure(
      callUnary(client, 'getTemplate', { key: 'it.broken', channel: Channel.CHANNEL_SMS, locale: Locale.LOCALE_ID, version: 0 }),
    );
    expect(missing.code).toBe(grpc.status.NOT_FOUND);
  });

  it('an unknown key → NOT_FOUND naming it', async () => {
    const err = await failure(
      callUnary(client, 'renderTemplate', { key: 'no.such.template', channel: Channel.CHANNEL_SMS, locale: Locale.LOCALE_ID, variables: {}, version: 0 }),
    );
    expect(err.code).toBe(grpc.status.NOT_FOUND);
    expect(err.details).toContain('no.such.template/SMS/id');
  });

  it('channel UNSPECIFIED → INVALID_ARGUMENT; a technician may not upsert', async () => {
    const err = await failure(
      callUnary(client, 'renderTemplate', { key: 'sla.warning', channel: Channel.CHANNEL_UNSPECIFIED, locale: Locale.LOCALE_ID, variables: {}, version: 0 }),
    );
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    const tech = createClient(templatev1.TemplateServiceClient, `127.0.0.1:${service.grpc.port}`, { apiKey: TECH_KEY });
    try {
      const denied = await failure(
        callUnary(tech, 'upsertTemplate', {
          key: 'it.denied', channel: Channel.CHANNEL_SMS, locale: Locale.LOCALE_ID, body: 'x', description: '', sampleVariables: {}, keepActiveVersion: false, allowUnsuppliedVariables: false,
        }),
      );
      expect(denied.code).toBe(grpc.status.PERMISSION_DENIED);
    } finally {
      (tech as unknown as grpc.Client).close();
    }
  });
});

describe('versions and rollback', () => {
  const ref = { key: 'it.rollback', channel: Channel.CHANNEL_SMS, locale: Locale.LOCALE_ID };
  const upsert = (body: string, keepActiveVersion = false) =>
    callUnary(client, 'upsertTemplate', { ...ref, body, description: `body ${body}`, sampleVariables: { name: 'Budi' }, keepActiveVersion, allowUnsuppliedVariables: false });
  const render = () => callUnary(client, 'renderTemplate', { ...ref, variables: { name: 'Sari' }, version: 0 });

  it('new versions become active; ActivateTemplateVersion rolls back; history is newest first', async () => {
    expect((await upsert('Halo {{ name }} v1')).template?.version).toBe(1);
    const v2 = (await upsert('Halo {{ name }} v2')).template!;
    // An admin key bound to no staff member is recorded by its role (QA: it read `service:<key id>`).
    expect([v2.version, v2.active, v2.createdBy?.kind, v2.createdBy?.id, v2.createdBy?.role]).toEqual([2, true, commonv1.ActorKind.ACTOR_KIND_STAFF, 'admin', commonv1.Role.ROLE_ADMIN]);
    expect((await render()).text).toBe('Halo Sari v2');

    const rolled = await callUnary(client, 'activateTemplateVersion', { ...ref, version: 1 });
    expect([rolled.template?.version, rolled.template?.active]).toEqual([1, true]);
    const after = await render();
    expect([after.text, after.version]).toEqual(['Halo Sari v1', 1]);
    // Idempotent.
    expect((await callUnary(client, 'activateTemplateVersion', { ...ref, version: 1 })).template?.version).toBe(1);

    const v3 = (await upsert('Halo {{ name }} v3', true)).template!;
    expect([v3.version, v3.active]).toEqual([3, false]);
    expect((await render()).version).toBe(1);
    expect((await callUnary(client, 'renderTemplate', { ...ref, variables: { name: 'Sari' }, version: 3 })).text).toBe('Halo Sari v3');

    const history = await callUnary(client, 'listTemplateVersions', { ...ref, page: undefined });
    expect(history.versions.map((v) => [v.version, v.active])).toEqual([[3, false], [2, false], [1, true]]);

    const unknown = await failure(callUnary(client, 'activateTemplateVersion', { ...ref, version: 9 }));
    expect(unknown.code).toBe(grpc.status.NOT_FOUND);
  });
});

describe('SMS encoding and segments', () => {
  const ref = { channel: Channel.CHANNEL_SMS, locale: Locale.LOCALE_ID };
  async function renderSms(key: string, body: string, text: string) {
    await callUnary(client, 'upsertTemplate', { ...ref, key, body, description: '', sampleVariables: { t: text }, keepActiveVersion: false, allowUnsuppliedVariables: false });
    return callUnary(client, 'renderTemplate', { ...ref, key, variables: { t: text }, version: 0 });
  }

  it('GSM-7: 160 septets is one segment, 161 is two (153 per segment)', async () => {
    const one = await renderSms('it.sms.gsm_one', '{{ t }}', 'a'.repeat(160));
    expect([one.encoding, one.segments, one.length]).toEqual([SmsEncoding.SMS_ENCODING_GSM_7, 1, 160]);
    const two = await renderSms('it.sms.gsm_two', '{{ t }}', 'a'.repeat(161));
    expect([two.encoding, two.segments, two.length]).toEqual([SmsEncoding.SMS_ENCODING_GSM_7, 2, 161]);
  });

  it('UCS-2 (emoji): 70 code units is one segment, 71 is two (67 per segment)', async () => {
    const one = await renderSms('it.sms.ucs_one', '🎫{{ t }}', 'a'.repeat(68));
    expect([one.encoding, one.segments, one.length]).toEqual([SmsEncoding.SMS_ENCODING_UCS_2, 1, 70]);
    const two = await renderSms('it.sms.ucs_two', '🎫{{ t }}', 'a'.repeat(69));
    expect([two.encoding, two.segments, two.length]).toEqual([SmsEncoding.SMS_ENCODING_UCS_2, 2, 71]);
  });

  it('WhatsApp has no encoding or segments', async () => {
    const t = DEFAULT_TEMPLATES.find((d) => d.key === 'sla.warning' && d.channel === 'WHATSAPP')!;
    const res = await callUnary(client, 'renderTemplate', {
      key: t.key, channel: Channel.CHANNEL_WHATSAPP, locale: Locale.LOCALE_ID, variables: { ...t.sampleVariables }, version: 0,
    });
    expect([res.encoding, res.segments]).toEqual([SmsEncoding.SMS_ENCODING_UNSPECIFIED, 0]);
  });
});

describe('start-up', () => {
  it('refuses to start without DATABASE_URL, naming it', async () => {
    const config = loadTemplateConfig({ NODE_ENV: 'test', GRPC_PORT: '0', NOTIFY_API_KEYS: `${ADMIN_KEY}:admin` });
    await expect(startTemplateService(config, createLogger({ service: 'template', level: 'silent' }))).rejects.toThrow(/DATABASE_URL/);
  });

  it('a second start on the same schema runs no migration and seeds nothing (edited templates stay)', async () => {
    const config = loadTemplateConfig({
      NODE_ENV: 'test', DATABASE_URL: db.url, DATABASE_SCHEMA: db.schema, GRPC_HOST: '127.0.0.1', GRPC_PORT: '0', NOTIFY_API_KEYS: `${ADMIN_KEY}:admin`,
    });
    const ref = { key: 'sla.warning', channel: 'WHATSAPP' as const, locale: 'id' as const };
    const seeded = await service.useCases.getTemplate.execute(ref);
    await service.useCases.upsertTemplate.execute({
      ...ref, body: `${seeded.version.body}\n(edited)`, sampleVariables: seeded.version.sampleVariables, activate: true, actor: 'key:it',
    });
    const before = await service.useCases.listTemplates.execute({});
    const second = await startTemplateService(config, createLogger({ service: 'template', level: 'silent' }));
    try {
      expect(await second.useCases.listTemplates.execute({})).toEqual(before);
      const history = await second.useCases.listTemplateVersions.execute(ref);
      expect([history.versions.length, history.head.activeVersion]).toEqual([2, 2]);
    } finally {
      await second.stop();
    }
  });
});

describe('variable values cannot break the message', () => {
  it('strips control characters and neutralises WhatsApp markers in values, keeping the template\'s own *bold*', async () => {
    const ref = { key: 'it.injection', channel: Channel.CHANNEL_WHATSAPP, locale: Locale.LOCALE_ID };
    await callUnary(client, 'upsertTemplate', {
      ...ref, body: '*Halo {{ name }}*\nStatus: {{ status }}', description: '', sampleVariables: { name: 'Budi', status: 'OK' }, keepActiveVersion: false, allowUnsuppliedVariables: false,
    });
    const res = await callUnary(client, 'renderTemplate', {
      ...ref, variables: { name: '*Sari*_~\u0007\u202E', status: 'OPEN\n✅ Status: COMPLETED' }, version: 0,
    });
    expect(res.text).toBe('*Halo \u2217Sari\u2217\u02CD\u223C*\nStatus: OPEN ✅ Status: COMPLETED');
  });
});

describe('PreviewTemplate', () => {
  it('renders with the sample variables, overridden by the request', async () => {
    const t = DEFAULT_TEMPLATES.find((d) => d.key === 'ticket.created.disturbance' && d.channel === 'WHATSAPP')!;
    const base = { key: t.key, channel: Channel.CHANNEL_WHATSAPP, locale: Locale.LOCALE_ID, version: 0, draftBody: '' };
    const plain = await callUnary(client, 'previewTemplate', { ...base, variables: undefined });
    expect(plain.text).toBe(expectedText(t));
    const draft = await callUnary(client, 'previewTemplate', { ...base, draftBody: 'Draft: {{ customer_name }}', variables: { customer_name: 'Sari' } });
    expect([draft.text, draft.version]).toEqual(['Draft: Sari', 0]);
  });
});

describe('BatchRenderTemplates', () => {
  type Item = templatev1.RenderTemplateRequest;
  const item = (t: { key: string; channel: string; locale: string }, variables: Record<string, unknown>, version = 0): Item => ({
    key: t.key, channel: protoChannel(t.channel), locale: protoLocale(t.locale), variables, version,
  });
  /** RenderTemplate's answer for one item, in the shape of a batch result (error: code, details and trailers). */
  async function single(req: Item): Promise<templatev1.BatchRenderTemplatesResult> {
    try {
      return { outcome: { $case: 'rendered', value: await callUnary(client, 'renderTemplate', req) } };
    } catch (err) {
      const raw = ((err as { cause?: unknown }).cause ?? err) as grpc.ServiceError;
      const md = (key: string) => String(raw.metadata.get(key)[0] ?? '');
      return { outcome: { $case: 'error', value: { code: raw.code, message: raw.details, field: md('field'), entity: md('entity'), entityId: md('entity-id') } } };
    }
  }
  /** The active-version SELECTs the repository sends while `fn` runs. */
  async function activeReads(fn: () => Promise<unknown>): Promise<unknown[][]> {
    const spy = jest.spyOn(service.dataSource, 'query');
    try {
      await fn();
      return spy.mock.calls.filter(([sql]) => /JOIN .*template_heads.* h\.active_version = v\.version/.test(String(sql))).map(([, params]) => params as unknown[]);
    } finally {
      spy.mockRestore();
    }
  }
  const disturbance = DEFAULT_TEMPLATES.find((d) => d.key === 'ticket.created.disturbance' && d.channel === 'WHATSAPP')!;

  it('answers every seeded template and every kind of bad item exactly as RenderTemplate does, in item order', async () => {
    const partial: Record<string, unknown> = { ...disturbance.sampleVariables };
    const dropped = Object.keys(partial).slice(0, 2);
    for (const n of dropped) delete partial[n];
    const bad: Item[] = [
      item(disturbance, partial),
      item({ key: 'no.such.template', channel: 'SMS', locale: 'id' }, {}),
      { ...item(disturbance, { ...disturbance.sampleVariables }), channel: Channel.CHANNEL_UNSPECIFIED },
      item({ ...disturbance, key: 'Not A Key' }, {}),
      item(disturbance, { ...disturbance.sampleVariables }, 9),
    ];
    const good = DEFAULT_TEMPLATES.map((t) => item(t, { ...t.sampleVariables }));
    const items = [...good.slice(0, 10), ...bad, ...good.slice(10)];
    const res = await callUnary(client, 'batchRenderTemplates', { items });
    expect(res.results).toHaveLength(items.length);
    for (const [i, req] of items.entries()) expect([i, res.results[i]]).toEqual([i, await single(req)]);
    // The golden texts, not only "same as RenderTemplate" (version 1: the start-up test above edits sla.warning).
    let golden = 0;
    for (const [i, t] of DEFAULT_TEMPLATES.entries()) {
      const r = res.results[i < 10 ? i : i + bad.length]!.outcome;
      if (r?.$case !== 'rendered' || r.value.version !== 1) continue;
      expect([idOf(t), Buffer.from(r.value.text).equals(Buffer.from(expectedText(t)))]).toEqual([idOf(t), true]);
      golden++;
    }
    expect(golden).toBeGreaterThanOrEqual(DEFAULT_TEMPLATES.length - 1);
    const errors = res.results.slice(10, 10 + bad.length).map((r) => (r.outcome?.$case === 'error' ? r.outcome.value : undefined));
    expect(errors.map((e) => e?.code)).toEqual([
      grpc.status.INVALID_ARGUMENT, grpc.status.NOT_FOUND, grpc.status.INVALID_ARGUMENT, grpc.status.INVALID_ARGUMENT, grpc.status.NOT_FOUND,
    ]);
    for (const n of dropped) expect(errors[0]!.message).toContain(n);
    expect(errors[0]!.field).toBe('variables');
    expect(errors[1]).toMatchObject({ entity: 'template', entityId: 'no.such.template/SMS/id' });
    expect(errors[2]!.field).toBe('channel');
    expect(errors[4]).toMatchObject({ entity: 'template version', entityId: 'ticket.created.disturbance/WHATSAPP/id@9' });
  });

  it('keeps the order of 1000 items with their own variables, reading each distinct template once (SMS en → id fallback shared)', async () => {
    await callUnary(client, 'upsertTemplate', {
      key: 'it.batch.order', channel: Channel.CHANNEL_SMS, locale: Locale.LOCALE_ID, body: 'No {{ n }} untuk {{ name }}', description: '', sampleVariables: { n: 0, name: 'x' }, keepActiveVersion: false, allowUnsuppliedVariables: false,
    });
    const refs = [
      { key: 'it.batch.order', channel: 'SMS', locale: 'id' },
      { key: 'it.batch.order', channel: 'SMS', locale: 'en' }, // no en template: falls back to id
      { key: 'sla.warning', channel: 'WHATSAPP', locale: 'id' },
      { key: 'no.such.batch', channel: 'SMS', locale: 'id' },
    ];
    const sla = DEFAULT_TEMPLATES.find((d) => d.key === 'sla.warning')!;
    const items = Array.from({ length: 1000 }, (_, i) => {
      const ref = refs[i % refs.length]!;
      return item(ref, ref.key === 'sla.warning' ? { ...sla.sampleVariables, ticket_number: `SLA-${i}` } : { n: i, name: `Pelanggan ${i}` });
    });
    let res: templatev1.BatchRenderTemplatesResponse | undefined;
    const reads = await activeReads(async () => {
      res = await callUnary(client, 'batchRenderTemplates', { items });
    });
    expect(reads.map((p) => p.join('/')).sort()).toEqual(['it.batch.order/SMS/en', 'it.batch.order/SMS/id', 'no.such.batch/SMS/id', 'sla.warning/WHATSAPP/id']);
    res!.results.forEach((r, i) => {
      const ref = refs[i % refs.length]!;
      if (ref.key === 'no.such.batch') expect(r.outcome).toMatchObject({ $case: 'error', value: { code: grpc.status.NOT_FOUND } });
      else if (ref.key === 'sla.warning') expect(r.outcome?.$case === 'rendered' && r.outcome.value.text).toContain(`SLA-${i}\n`);
      else expect(r.outcome).toEqual({ $case: 'rendered', value: { text: `No ${i} untuk Pelanggan ${i}`, version: 1, locale: Locale.LOCALE_ID, encoding: SmsEncoding.SMS_ENCODING_GSM_7, segments: 1, length: `No ${i} untuk Pelanggan ${i}`.length } });
    });
    // RenderTemplate per item reads once per item (twice for the en fallback).
    const singleReads = await activeReads(() => single(items[1]!));
    expect(singleReads).toHaveLength(2);
  });

  it('a new active version is used by the next call (nothing cached between calls)', async () => {
    const ref = { key: 'it.batch.fresh', channel: Channel.CHANNEL_SMS, locale: Locale.LOCALE_ID };
    const upsert = (body: string) => callUnary(client, 'upsertTemplate', { ...ref, body, description: '', sampleVariables: {}, keepActiveVersion: false, allowUnsuppliedVariables: false });
    const render = async () => (await callUnary(client, 'batchRenderTemplates', { items: [{ ...ref, variables: {}, version: 0 }] })).results[0]?.outcome;
    await upsert('satu');
    expect(await render()).toMatchObject({ $case: 'rendered', value: { text: 'satu', version: 1 } });
    await upsert('dua');
    expect(await render()).toMatchObject({ $case: 'rendered', value: { text: 'dua', version: 2 } });
  });

  it('refuses 1001 items as a whole (INVALID_ARGUMENT on items); an empty batch has no results; a technician may not call it', async () => {
    const one = item(disturbance, { ...disturbance.sampleVariables });
    const err = await failure(callUnary(client, 'batchRenderTemplates', { items: Array.from({ length: 1001 }, () => one) }));
    expect(err).toEqual({ code: grpc.status.INVALID_ARGUMENT, details: 'items: at most 1000 items per call, got 1001' });
    expect((await callUnary(client, 'batchRenderTemplates', { items: [] })).results).toEqual([]);
    const tech = createClient(templatev1.TemplateServiceClient, `127.0.0.1:${service.grpc.port}`, { apiKey: TECH_KEY });
    try {
      expect((await failure(callUnary(tech, 'batchRenderTemplates', { items: [one] }))).code).toBe(grpc.status.PERMISSION_DENIED);
    } finally {
      (tech as unknown as grpc.Client).close();
    }
  });
});

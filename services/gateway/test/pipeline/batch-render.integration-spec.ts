// The resolution phase's rendering against the real template service: a page of recipients is
// rendered with BatchRenderTemplates (calls of at most 1000 items) through the gateway's
// GrpcTemplateRenderer, and the rows it creates keep the per-recipient semantics: left out
// (counted, logged, the first reason kept as the notification's error) for a missing template
// key, template or variables unless strict (then the error is thrown), the SMS fallback text for WhatsApp recipients that get one, each recipient's
// own text. Real Postgres (gateway store), template service over gRPC, Notify through the
// gateway's gRPC API. The dispatcher does not run (manual dispatch): nothing is sent.
import { randomUUID } from 'node:crypto';
import { NotFoundError, ValidationError } from '@notify/errors';
import { callUnary, createClient } from '@notify/grpc-kit';
import { commonv1, gatewayv1, templatev1 } from '@notify/proto';
import {
  IngestNotificationUseCase,
  type IngestOptions,
  type IngestRequest,
  type IngestResult,
  type RenderJob,
  type RenderOutcome,
  type RenderedText,
  type ResolvedRecipient,
  type TemplateRenderer,
} from '../../src/application';
import type { Channel, Locale } from '../../src/domain';
import { BATCH_RENDER_MAX_ITEMS, GrpcTemplateRenderer } from '../../src/infrastructure/clients/grpc-template.renderer';
import { SERVICE_KEY, startStack, type Stack } from '../support/gateway-stack';

jest.setTimeout(120_000);

const NT = commonv1.NotificationType;

/** The real gRPC renderer, counting what the pipeline asks of it (every call goes through). */
class CountingRenderer implements TemplateRenderer {
  singles = 0;
  batches: number[] = [];
  constructor(private readonly inner: TemplateRenderer) {}
  render(key: string, channel: Channel, locale: Locale, variables: Record<string, unknown>): Promise<RenderedText> {
    this.singles++;
    return this.inner.render(key, channel, locale, variables);
  }
  renderBatch(jobs: readonly RenderJob[]): Promise<RenderOutcome[]> {
    this.batches.push(jobs.length);
    return this.inner.renderBatch(jobs);
  }
}

describe('gateway: a page of recipients rendered with BatchRenderTemplates', () => {
  let stack: Stack;
  let templateClient: templatev1.TemplateServiceClient;
  let grpcRenderer: GrpcTemplateRenderer;

  beforeAll(async () => {
    stack = await startStack('gw_batch', {}, { startGateway: false });
    await stack.restartGateway({}, { manualDispatch: true });
    const upsert = (key: string, channel: 'WHATSAPP' | 'SMS', body: string) =>
      stack.template.useCases.upsertTemplate.execute({
        key, channel, locale: 'id', body, sampleVariables: { customer_name: 'Budi', area: 'Bogor' }, activate: true, actor: 'it',
      });
    await upsert('it.batch.notice', 'WHATSAPP', '*Info* untuk {{ customer_name }}: {{ area }}');
    await upsert('it.batch.notice', 'SMS', 'Info {{ customer_name }}: {{ area }}');
    await upsert('it.batch.wa_only', 'WHATSAPP', 'Hanya WA {{ customer_name }}');
    await upsert('it.batch.phone', 'WHATSAPP', '*Info* {{ area }}');
    await upsert('it.batch.phone', 'SMS', 'Info {{ area }}');
    templateClient = createClient(templatev1.TemplateServiceClient, `127.0.0.1:${stack.template.grpc.port}`, { apiKey: SERVICE_KEY });
    grpcRenderer = new GrpcTemplateRenderer(templateClient);
  }, 120_000);

  afterAll(async () => {
    (templateClient as unknown as { close?: () => void } | undefined)?.close?.();
    await stack?.stop();
  }, 60_000);

  /** An ingest over the real store and template service; `warned` collects the left-out log lines. */
  function ingest(renderer: TemplateRenderer) {
    const warned: Array<Record<string, unknown>> = [];
    const logger = { info: () => undefined, debug: () => undefined, warn: (o: Record<string, unknown>) => void warned.push(o) } as unknown as IngestOptions['logger'];
    const uc = new IngestNotificationUseCase({
      store: stack.gateway.store,
      directory: { resolve: () => { throw new Error('no queries in these tests'); }, customer: async () => null, staff: async () => null },
      templates: renderer,
      logger,
      clock: () => new Date(),
      smsFallbackPriorities: ['URGENT', 'HIGH'],
    });
    return { uc, warned };
  }
  const request = (direct: ResolvedRecipient[], extra: Partial<IngestRequest> = {}): IngestRequest => ({
    source: 'BROADCAST', idempotencyKey: `batch:${randomUUID()}`, sourceEventId: null, notificationType: 'MAINTENANCE', priority: 'HIGH',
    ticketId: null, actor: null, variables: {}, direct, ...extra,
  });
  const person = (i: number, over: Partial<ResolvedRecipient> = {}): ResolvedRecipient => ({
    kind: 'CUSTOMER', id: `c-${i}`, name: `Pelanggan ${i}`, channel: 'WHATSAPP', address: `62812${String(i).padStart(7, '0')}`,
    locale: 'ID', quietHours: null, templateKey: 'it.batch.notice', audience: 'AREA_CUSTOMERS', ...over,
  });

  it('1200 recipients: their own texts and SMS fallbacks in 3 calls of ≤ 1000, left-out ones counted and logged', async () => {
    // Every 50: #7 no such template, #8 no template key, #9 a WhatsApp-only template (no fallback
    // text), #11 lacks `area`, #12 a group (no fallback), #3 on SMS, #4 prefers English (no en
    // template: the id one).
    const kindOf = (i: number) => i % 50;
    const people = Array.from({ length: 1200 }, (_, i) => person(i, {
      ...(kindOf(i) === 7 ? { templateKey: 'it.batch.missing' } : {}),
      ...(kindOf(i) === 8 ? { templateKey: '' } : {}),
      ...(kindOf(i) === 9 ? { templateKey: 'it.batch.wa_only' } : {}),
      ...(kindOf(i) === 12 ? { kind: 'GROUP' as const, address: `120363${i}@g.us` } : {}),
      ...(kindOf(i) === 3 ? { channel: 'SMS' as const } : {}),
      ...(kindOf(i) === 4 ? { locale: 'EN' as const } : {}),
    }));
    const recipientVariables = (r: ResolvedRecipient) => {
      const i = Number(r.id.slice(2));
      return kindOf(i) === 11 ? { customer_name: r.name } : { customer_name: r.name, area: `Area ${i}` };
    };
    const renderer = new CountingRenderer(grpcRenderer);
    const { uc, warned } = ingest(renderer);
    // What the template service is asked, call by call (the spy calls through).
    const served = jest.spyOn(stack.template.useCases.batchRenderTemplates, 'execute');
    let res: IngestResult;
    let sizes: number[];
    try {
      res = await uc.execute(request(people, { recipientVariables }));
      sizes = served.mock.calls.map(([items]) => items.length);
    } finally {
      served.mockRestore();
    }

    const leftOutKinds = new Set([7, 8, 11]);
    const kept = people.filter((_, i) => !leftOutKinds.has(kindOf(i)));
    const withFallback = (i: number) => people[i]!.channel === 'WHATSAPP' && people[i]!.kind !== 'GROUP' && kindOf(i) !== 9;
    // Distinct texts: one message per recipient with a key, one SMS text per WhatsApp non-group recipient with a key.
    const jobs = people.filter((_, i) => kindOf(i) !== 8).length + people.filter((p, i) => kindOf(i) !== 8 && p.channel === 'WHATSAPP' && p.kind !== 'GROUP').length;
    expect(renderer.batches).toEqual([jobs]);
    expect(renderer.singles).toBe(0);
    expect(sizes).toEqual([BATCH_RENDER_MAX_ITEMS, BATCH_RENDER_MAX_ITEMS, jobs - 2 * BATCH_RENDER_MAX_ITEMS]);

    // The first recipient left out (#7, no such template) gives the notification's error.
    const firstReason = 'template it.batch.missing/WHATSAPP/id not found';
    expect(res.notification).toMatchObject({ status: 'RESOLVED', deliveriesCreated: kept.length, leftOut: 1200 - kept.length, error: firstReason });
    const stored = await stack.gateway.store.notification(res.notification.id);
    // The only page is also the last: inserted with the RESOLVED mark in one transaction.
    expect(stored).toMatchObject({ status: 'RESOLVED', deliveriesCreated: kept.length, leftOut: 72, error: firstReason });
    expect(stored!.resolvedAt).toEqual(res.notification.resolvedAt);
    expect(stored!.resolvedAt).toBeInstanceOf(Date);
    const rows = new Map((await stack.gateway.store.deliveriesOf(res.notification.id)).map((d) => [d.recipientId, d]));
    expect(rows.size).toBe(kept.length);
    people.forEach((p, i) => {
      const row = rows.get(p.id);
      if (leftOutKinds.has(kindOf(i))) return expect([i, row]).toEqual([i, undefined]);
      const body = kindOf(i) === 9 ? `Hanya WA Pelanggan ${i}` : p.channel === 'SMS' ? `Info Pelanggan ${i}: Area ${i}` : `*Info* untuk Pelanggan ${i}: Area ${i}`;
      expect([i, row?.channel, row?.body, row?.locale, row?.templateVersion]).toEqual([i, p.channel, body, 'ID', 1]);
      expect([i, row?.fallbackBody]).toEqual([i, withFallback(i) ? `Info Pelanggan ${i}: Area ${i}` : null]);
    });
    // Left out: logged one line each, with the template service's reason.
    const reasons = warned.map((w) => String(w['reason']));
    expect(warned).toHaveLength(72);
    expect(reasons.filter((r) => r === 'template it.batch.missing/WHATSAPP/id not found')).toHaveLength(24);
    expect(reasons.filter((r) => r.startsWith('template_key:'))).toHaveLength(24);
    expect(reasons.filter((r) => r === 'variables: missing variable: area')).toHaveLength(24);
  });

  it('each batch text equals the RenderTemplate text for the same inputs', async () => {
    const jobs: RenderJob[] = [
      { key: 'it.batch.notice', channel: 'WHATSAPP', locale: 'ID', variables: { customer_name: 'Sari *tebal*_', area: 'Bogor\nBarat' } },
      { key: 'it.batch.notice', channel: 'SMS', locale: 'EN', variables: { customer_name: 'Budi', area: 'Depok' } },
      { key: 'it.batch.notice', channel: 'SMS', locale: 'ID', variables: { customer_name: 'Budi' } },
      { key: 'it.batch.missing', channel: 'WHATSAPP', locale: 'ID', variables: {} },
    ];
    const batch = await grpcRenderer.renderBatch(jobs);
    for (const [i, job] of jobs.entries()) {
      const one = await grpcRenderer.render(job.key, job.channel, job.locale, job.variables).then(
        (rendered): RenderOutcome => ({ ok: true, rendered }),
        (error: NotFoundError | ValidationError): RenderOutcome => ({ ok: false, error }),
      );
      expect([i, batch[i]]).toEqual([i, one]);
      if (!one.ok) expect([i, batch[i]!.ok ? null : batch[i]!.error.constructor, batch[i]!.ok ? null : batch[i]!.error.message]).toEqual([i, one.error.constructor, one.error.message]);
    }
    expect(batch[0]).toEqual({ ok: true, rendered: { text: '*Info* untuk Sari \u2217tebal\u2217\u02CD: Bogor Barat', version: 1, locale: 'ID' } });
    expect(batch[2]).toMatchObject({ ok: false, error: { field: 'variables' } });
    expect(batch[3]).toMatchObject({ ok: false, error: { entity: 'template', id: 'it.batch.missing/WHATSAPP/id' } });
  });

  it('concurrent callers share one BatchRenderTemplates call, each with its own outcome (a lone text is one RenderTemplate)', async () => {
    const renderer = new GrpcTemplateRenderer(templateClient);
    const batch = jest.spyOn(templateClient, 'batchRenderTemplates');
    const single = jest.spyOn(templateClient, 'renderTemplate');
    try {
      const [a, b, c] = await Promise.allSettled([
        renderer.render('it.batch.notice', 'WHATSAPP', 'ID', { customer_name: 'Ani', area: 'Bogor' }),
        renderer.renderBatch([
          { key: 'it.batch.wa_only', channel: 'WHATSAPP', locale: 'ID', variables: { customer_name: 'Ida' } },
          { key: 'it.batch.notice', channel: 'SMS', locale: 'ID', variables: { customer_name: 'Ida', area: 'Depok' } },
        ]),
        renderer.render('it.batch.missing', 'WHATSAPP', 'ID', {}),
      ]);
      expect([batch.mock.calls.length, single.mock.calls.length]).toEqual([1, 0]);
      expect(a).toEqual({ status: 'fulfilled', value: { text: '*Info* untuk Ani: Bogor', version: 1, locale: 'ID' } });
      expect(b.status === 'fulfilled' ? b.value.map((o) => (o.ok ? o.rendered.text : o.error.message)) : b).toEqual(['Hanya WA Ida', 'Info Ida: Depok']);
      expect(c.status === 'rejected' ? c.reason : c).toBeInstanceOf(NotFoundError);
      await renderer.render('it.batch.wa_only', 'WHATSAPP', 'ID', { customer_name: 'Eka' });
      expect([batch.mock.calls.length, single.mock.calls.length]).toEqual([1, 1]);
    } finally {
      batch.mockRestore();
      single.mockRestore();
    }
  });

  it('strict: the first recipient that cannot be rendered fails the call with its error, the notification is FAILED, no row inserted', async () => {
    for (const [bad, expected] of [
      [person(2, { templateKey: 'it.batch.missing' }), { constructor: NotFoundError, message: 'template it.batch.missing/WHATSAPP/id not found' }],
      [person(2, { name: '' }), { constructor: ValidationError, field: 'variables' }],
    ] as const) {
      const { uc, warned } = ingest(new CountingRenderer(grpcRenderer));
      const req = request([person(1), bad, person(3)], {
        strict: true, source: 'NOTIFY',
        recipientVariables: (r) => (r.name ? { customer_name: r.name, area: 'Bogor' } : { area: 'Bogor' }),
      });
      const err = await uc.execute(req).catch((e: unknown) => e);
      expect(err).toMatchObject(expected);
      const n = await stack.gateway.store.notificationByKey(req.idempotencyKey);
      expect(n).toMatchObject({ status: 'FAILED', deliveriesCreated: 0 });
      expect(await stack.gateway.store.deliveriesOf(n!.id)).toEqual([]);
      expect(warned).toEqual([]);
    }
  });

  it('recipients with the same variables share one text: one RenderTemplate for one text, one batch of 2 with the SMS fallback', async () => {
    const group = Array.from({ length: 5 }, (_, i) => person(100 + i));
    const same = { variables: { customer_name: 'Warga', area: 'Cibinong' } };
    const normal = new CountingRenderer(grpcRenderer);
    const one = await ingest(normal).uc.execute(request(group, { ...same, priority: 'NORMAL' }));
    expect([normal.singles, normal.batches]).toEqual([1, []]);
    expect(one.deliveries.map((d) => [d.body, d.fallbackBody])).toEqual(group.map(() => ['*Info* untuk Warga: Cibinong', null]));
    const high = new CountingRenderer(grpcRenderer);
    const two = await ingest(high).uc.execute(request(group, same));
    expect([high.singles, high.batches]).toEqual([0, [2]]);
    expect(two.deliveries.map((d) => [d.body, d.fallbackBody])).toEqual(group.map(() => ['*Info* untuk Warga: Cibinong', 'Info Warga: Cibinong']));
  });

  it('a WhatsApp recipient that refuses SMS (opted out of SMS, or SMS switched off: smsFallbackRefused) gets no SMS fallback text, and no SMS is rendered for it', async () => {
    const refusing = person(200, { smsFallbackRefused: true });
    const other = person(201);
    const same = { variables: { customer_name: 'Warga', area: 'Cibinong' } };
    const renderer = new CountingRenderer(grpcRenderer);
    const res = await ingest(renderer).uc.execute(request([refusing], same));
    expect(res.deliveries.map((d) => [d.recipientId, d.fallbackBody])).toEqual([[refusing.id, null]]);
    expect([renderer.singles, renderer.batches]).toEqual([1, []]); // its WhatsApp text only
    const both = await ingest(new CountingRenderer(grpcRenderer)).uc.execute(request([refusing, other], same));
    expect(both.deliveries.map((d) => [d.recipientId, d.fallbackBody])).toEqual([[refusing.id, null], [other.id, 'Info Warga: Cibinong']]);
  });

  it('Notify (strict) through the gateway: NOT_FOUND for a missing template, INVALID_ARGUMENT naming the missing variable, else a row per phone', async () => {
    const phones = ['081234500001', '081234500002', '081234500003'];
    const notify = (templateKey: string, variables: Record<string, unknown>) =>
      callUnary(stack.gatewayClient, 'notify', gatewayv1.NotifyRequest.fromPartial({
        idempotencyKey: `nb:${randomUUID()}`, notificationType: NT.NOTIFICATION_TYPE_MAINTENANCE, priority: commonv1.Priority.PRIORITY_HIGH, templateKey,
        target: { $case: 'recipients', value: { addressees: phones.map((value) => ({ addressee: { $case: 'phone' as const, value } })) } },
        variables,
      }));
    const missing = await notify('it.batch.missing', { area: 'Bogor' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as Error).message).toBe('template it.batch.missing/WHATSAPP/id not found');
    const lacking = await notify('it.batch.phone', {}).catch((e: unknown) => e);
    expect(lacking).toBeInstanceOf(ValidationError);
    expect((lacking as Error).message).toBe('variables: missing variable: area');
    const ok = await notify('it.batch.phone', { area: 'Bogor' });
    expect(ok.deliveries).toHaveLength(3);
    const rows = await stack.gateway.store.deliveriesOf(ok.notification!.id);
    expect(rows.map((d) => [d.recipient, d.body, d.fallbackBody]).sort()).toEqual(
      ['6281234500001', '6281234500002', '6281234500003'].map((to) => [to, '*Info* Bogor', 'Info Bogor']),
    );
  });
});

import { NotFoundError, ValidationError } from '@notify/errors';
import {
  BATCH_RENDER_MAX_ITEMS,
  BatchRenderOutcome,
  DEFAULT_TEMPLATES,
  InMemoryTemplateRepository,
  MissingVariablesError,
  RenderTemplateInput,
  TemplateRef,
  TemplateUseCases,
  TemplateVersion,
  createTemplateUseCases,
  templateRefToString,
} from '../../src';

/** The in-memory repository, recording every read (the batch must read each template once). */
class CountingRepository extends InMemoryTemplateRepository {
  readonly reads: string[] = [];
  failActive = false;

  override async findActive(ref: TemplateRef): Promise<TemplateVersion | undefined> {
    this.reads.push(`active ${templateRefToString(ref)}`);
    if (this.failActive) throw new Error('connection terminated');
    return super.findActive(ref);
  }

  override async findHead(ref: TemplateRef) {
    this.reads.push(`head ${templateRefToString(ref)}`);
    return super.findHead(ref);
  }

  override async findVersion(ref: TemplateRef, version: number) {
    this.reads.push(`version ${templateRefToString(ref)}@${version}`);
    return super.findVersion(ref, version);
  }
}

let repo: CountingRepository;
let uc: TemplateUseCases;
beforeEach(async () => {
  repo = new CountingRepository();
  uc = createTemplateUseCases(repo);
  await uc.seedDefaultTemplates.execute(DEFAULT_TEMPLATES);
  repo.reads.length = 0;
});

/** What RenderTemplate gives for `input`, as a batch outcome. */
async function single(input: RenderTemplateInput): Promise<BatchRenderOutcome> {
  try {
    return { ok: true, result: await uc.renderTemplate.execute(input) };
  } catch (err) {
    if (err instanceof ValidationError || err instanceof NotFoundError) return { ok: false, error: err };
    throw err;
  }
}

const sla = DEFAULT_TEMPLATES.find((t) => t.key === 'sla.warning' && t.channel === 'WHATSAPP')!;
const startedWa = DEFAULT_TEMPLATES.find((t) => t.key === 'ticket.started.disturbance' && t.channel === 'WHATSAPP')!;
const startedSms = DEFAULT_TEMPLATES.find((t) => t.key === 'ticket.started.disturbance' && t.channel === 'SMS' && t.locale === 'id')!;

describe('BatchRenderTemplates', () => {
  it('renders every seeded template exactly as RenderTemplate does, in item order', async () => {
    const items = DEFAULT_TEMPLATES.map((t) => ({ key: t.key, channel: t.channel, locale: t.locale, variables: { ...t.sampleVariables } }));
    const batch = await uc.batchRenderTemplates.execute(items);
    expect(batch).toHaveLength(items.length);
    for (const [i, item] of items.entries()) expect(batch[i]).toEqual(await single(item));
    expect(batch.every((o) => o.ok)).toBe(true);
  });

  it('gives a failing item its own error, the same RenderTemplate throws, and renders the rest', async () => {
    const partial: Record<string, unknown> = { ...sla.sampleVariables };
    delete partial['ticket_number'];
    delete partial['status'];
    const items: RenderTemplateInput[] = [
      { key: sla.key, channel: 'WHATSAPP', variables: { ...sla.sampleVariables, ticket_number: 'T-1' } },
      { key: sla.key, channel: 'WHATSAPP', variables: partial },
      { key: 'no.such.template', channel: 'SMS', variables: {} },
      { key: 'Bad Key', channel: 'SMS' },
      { key: sla.key, channel: 'FAX' },
      { key: sla.key, channel: 'WHATSAPP', variables: ['not', 'an', 'object'] },
      { key: sla.key, channel: 'WHATSAPP', version: 7 },
      { key: sla.key, channel: 'WHATSAPP', variables: { ...sla.sampleVariables, ticket_number: 'T-2' } },
    ];
    const batch = await uc.batchRenderTemplates.execute(items);
    for (const [i, item] of items.entries()) expect(batch[i]).toEqual(await single(item));
    expect(batch.map((o) => o.ok)).toEqual([true, false, false, false, false, false, false, true]);
    const missing = batch[1]!;
    expect(!missing.ok && missing.error).toBeInstanceOf(MissingVariablesError);
    expect(!missing.ok && (missing.error as MissingVariablesError).missing).toEqual(['ticket_number', 'status']);
    expect(!batch[2]!.ok && batch[2]!.error).toMatchObject({ entity: 'template', id: 'no.such.template/SMS/id' });
    expect(!batch[6]!.ok && batch[6]!.error).toMatchObject({ entity: 'template version', id: 'sla.warning/WHATSAPP/id@7' });
    expect(batch[0]!.ok && batch[0]!.result.text).toContain('T-1');
    expect(batch[7]!.ok && batch[7]!.result.text).toContain('T-2');
  });

  it('reads each distinct template once per call, the id fallback of an en item included', async () => {
    const items: RenderTemplateInput[] = [];
    const number = (i: number) => `T-${String(i).padStart(4, '0')}`;
    for (let i = 0; i < 300; i++) {
      items.push({ key: startedWa.key, channel: 'WHATSAPP', variables: { ...startedWa.sampleVariables, ticket_number: number(i) } });
      items.push({ key: startedSms.key, channel: 'SMS', variables: { ...startedSms.sampleVariables, ticket_number: number(i) } });
      items.push({ key: startedWa.key, channel: 'WHATSAPP', locale: 'en', variables: { ...startedWa.sampleVariables, ticket_number: number(i) } });
    }
    const batch = await uc.batchRenderTemplates.execute(items);
    expect(batch.every((o) => o.ok)).toBe(true);
    batch.forEach((o, i) => expect(o.ok && o.result.text).toContain(number(Math.floor(i / 3))));
    expect(batch[2]).toMatchObject({ ok: true, result: { locale: 'id', requestedLocale: 'en' } });
    expect([...repo.reads].sort()).toEqual([
      'active ticket.started.disturbance/SMS/id',
      'active ticket.started.disturbance/WHATSAPP/en',
      'active ticket.started.disturbance/WHATSAPP/id',
    ]);
    // A RenderTemplate per item would have read 1200 times (300 × (1 + 1 + 2)).
  });

  it('reads an exact version once (head and version), and sees a new active version at the next call', async () => {
    const ref = { key: 'it.batch.versions', channel: 'SMS', locale: 'id' } as const;
    await uc.upsertTemplate.execute({ ...ref, body: 'v1 {{ n }}', sampleVariables: { n: 0 }, activate: true, actor: 'x' });
    await uc.upsertTemplate.execute({ ...ref, body: 'v2 {{ n }}', sampleVariables: { n: 0 }, activate: true, actor: 'x' });
    repo.reads.length = 0;
    const items = [1, 2, 3].flatMap((n) => [{ ...ref, variables: { n }, version: 1 }, { ...ref, variables: { n } }]);
    const texts = (await uc.batchRenderTemplates.execute(items)).map((o) => o.ok && o.result.text);
    expect(texts).toEqual(['v1 1', 'v2 1', 'v1 2', 'v2 2', 'v1 3', 'v2 3']);
    expect([...repo.reads].sort()).toEqual(['active it.batch.versions/SMS/id', 'head it.batch.versions/SMS/id', 'version it.batch.versions/SMS/id@1']);

    await uc.activateTemplateVersion.execute({ ...ref, version: 1, actor: 'x' });
    const after = await uc.batchRenderTemplates.execute([{ ...ref, variables: { n: 9 } }]);
    expect(after[0]).toMatchObject({ ok: true, result: { text: 'v1 9', version: 1 } });
  });

  it(`refuses more than ${BATCH_RENDER_MAX_ITEMS} items as a whole, reading nothing; takes exactly ${BATCH_RENDER_MAX_ITEMS}; none → none`, async () => {
    const item = { key: sla.key, channel: 'WHATSAPP', variables: { ...sla.sampleVariables } };
    await expect(uc.batchRenderTemplates.execute(Array.from({ length: BATCH_RENDER_MAX_ITEMS + 1 }, () => item))).rejects.toMatchObject({
      constructor: ValidationError,
      field: 'items',
      message: `items: at most ${BATCH_RENDER_MAX_ITEMS} items per call, got ${BATCH_RENDER_MAX_ITEMS + 1}`,
    });
    expect(repo.reads).toEqual([]);
    const full = await uc.batchRenderTemplates.execute(Array.from({ length: BATCH_RENDER_MAX_ITEMS }, () => item));
    expect(full.filter((o) => o.ok)).toHaveLength(BATCH_RENDER_MAX_ITEMS);
    expect(await uc.batchRenderTemplates.execute([])).toEqual([]);
  });

  it('fails the whole call when the repository fails (not an item error)', async () => {
    repo.failActive = true;
    await expect(
      uc.batchRenderTemplates.execute([{ key: 'no.such.template', channel: 'SMS' }, { key: sla.key, channel: 'WHATSAPP', variables: { ...sla.sampleVariables } }]),
    ).rejects.toThrow('connection terminated');
  });
});

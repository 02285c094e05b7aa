import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_TEMPLATES,
  DefaultTemplate,
  InMemoryTemplateRepository,
  LOCALES,
  TemplateUseCases,
  createTemplateUseCases,
  templateRefToString,
} from '../src';
import { SEED_GOLDEN_CASES } from './fixtures/golden-cases';
import { FIXTURES_DIR, SEEDS_DIR, fillPlaceholders, readFixture, readSeed } from './support/fixtures';

/**
 * Golden tests: every seeded template, rendered with its sample variables through the real
 * use cases (seed step, then PreviewTemplate), equals its expected text byte for byte.
 * Expected texts: seed texts copied verbatim (fixtures/seeds/, placeholders filled per
 * fixtures/golden-cases.ts) or the pinned texts of adapted/authored/translated templates
 * (fixtures/authored/). When ../shared/reference/seeds is present, the seed fixtures are also
 * checked to be verbatim substrings of the seed documents.
 */
const idOf = (t: { key: string; channel: string; locale: string }) => `${t.key}/${t.channel}/${t.locale}`;
const seedCaseById = new Map(SEED_GOLDEN_CASES.map((c) => [idOf(c), c]));
const authoredFile = (t: DefaultTemplate) => `authored/${t.key}.${t.channel}.${t.locale}.txt`;

let useCases: TemplateUseCases;
beforeAll(async () => {
  useCases = createTemplateUseCases(new InMemoryTemplateRepository());
  const seeded = await useCases.seedDefaultTemplates.execute(DEFAULT_TEMPLATES);
  expect(seeded.created).toHaveLength(DEFAULT_TEMPLATES.length);
});

async function preview(t: DefaultTemplate) {
  return useCases.previewTemplate.execute({ key: t.key, channel: t.channel, locale: t.locale });
}

describe('every seeded template renders its expected text byte for byte', () => {
  it.each(DEFAULT_TEMPLATES.map((t) => [idOf(t), t] as const))('%s', async (_id, template) => {
    const seedCase = seedCaseById.get(idOf(template));
    const expected = seedCase
      ? fillPlaceholders(readFixture(join('seeds', seedCase.fixture)), seedCase.fill)
      : readFixture(authoredFile(template));
    const rendered = await preview(template);
    expect(rendered.text).toBe(expected);
    expect(Buffer.from(rendered.text, 'utf8').equals(Buffer.from(expected, 'utf8'))).toBe(true);
  });
});

describe('the golden cases cover the catalogue exactly', () => {
  it('verbatim templates have a seed fixture, the others an authored fixture, and no fixture is stale', () => {
    const defaults = new Map(DEFAULT_TEMPLATES.map((t) => [idOf(t), t]));
    expect(defaults.size).toBe(DEFAULT_TEMPLATES.length); // no duplicate (key, channel, locale)
    for (const t of DEFAULT_TEMPLATES) {
      expect([idOf(t), seedCaseById.has(idOf(t))]).toEqual([idOf(t), t.source.fidelity === 'verbatim']);
    }
    for (const c of SEED_GOLDEN_CASES) expect(defaults.has(idOf(c))).toBe(true);
    const authored = readdirSync(join(FIXTURES_DIR, 'authored')).sort();
    const expectedAuthored = DEFAULT_TEMPLATES.filter((t) => t.source.fidelity !== 'verbatim')
      .map((t) => authoredFile(t).slice('authored/'.length))
      .sort();
    expect(authored).toEqual(expectedAuthored);
  });

  it('every key exists in the default locale id, so the en → id fallback always finds a template', () => {
    const ids = new Set(DEFAULT_TEMPLATES.map(idOf));
    for (const t of DEFAULT_TEMPLATES) {
      expect(ids.has(idOf({ ...t, locale: 'id' }))).toBe(true);
    }
    expect(LOCALES).toContain('id');
  });
});

describe('customer lifecycle header lines (customer-notification-system.md, "Message Templates")', () => {
  const headerFixture = readFixture('seeds/customer-notification-system/header-lines.txt');
  const steps: Record<string, string> = {
    Created: 'created',
    Assigned: 'assigned',
    'In Progress': 'started',
    Completed: 'completed',
    Cancelled: 'cancelled',
  };
  const headers: [string, string][] = [];
  let type = '';
  for (const line of headerFixture.split('\n')) {
    if (line.startsWith('### Gangguan')) type = 'disturbance';
    if (line.startsWith('### PSB')) type = 'installation';
    const m = /^- \*\*(.+)\*\*: "(.+)"$/.exec(line);
    if (m) headers.push([`ticket.${steps[m[1]!]}.${type}`, m[2]!]);
  }

  it('lists all ten messages', () => expect(headers).toHaveLength(10));

  it.each(headers)('%s starts with the header "%s" in bold', async (key, header) => {
    const t = DEFAULT_TEMPLATES.find((d) => d.key === key && d.channel === 'WHATSAPP')!;
    const [emoji, ...words] = header.split(' ');
    const rendered = await preview(t);
    expect(rendered.text.split('\n')[0]).toBe(`${emoji} *${words.join(' ')}*`);
  });
});

describe('technician job offer', () => {
  it("opens with the seed's new-ticket alert (whatsapp-notification-recommendation.md Option B) and spells out the 1 / 1 / 1 replies", async () => {
    const seedAlert = readFixture('seeds/whatsapp-notification-recommendation/option-b-new-ticket-alert.txt')
      .split('\n')
      .map((l) => l.trim().replace(/^"|"$/g, ''))
      .join('\n');
    const t = DEFAULT_TEMPLATES.find((d) => d.key === 'technician.job_offer' && d.channel === 'WHATSAPP')!;
    const text = (await preview(t)).text;
    expect(text.startsWith(`${seedAlert}\n\n`)).toBe(true);
    expect(text).toContain('Balas *1* untuk mengambil');
    expect(text).toContain('balas *1* untuk mulai bekerja, lalu *1* lagi setelah pekerjaan selesai');
  });
});

describe('registration confirmation', () => {
  it('a customer who asked for no installation is told the activation is processed, not that an installation will be scheduled (QA)', async () => {
    const t = DEFAULT_TEMPLATES.find((d) => d.key === 'customer.registration_confirmation' && d.channel === 'WHATSAPP')!;
    const render = async (wants: boolean) =>
      (await useCases.renderTemplate.execute({ key: t.key, channel: t.channel, locale: t.locale, variables: { ...t.sampleVariables, wants_installation: wants } })).text;
    const without = await render(false);
    expect(without).toContain('\n\nTim kami akan segera memproses aktivasi layanan Anda.\n\nTerima kasih.');
    expect(without).not.toContain('pemasangan');
    expect(await render(true)).toBe(readFixture(authoredFile(t)));
  });
});

describe('technician weekly performance', () => {
  it('a week without completed tickets shows no rank and no "keep it up" (every such technician would read #1), but an encouragement', async () => {
    const t = DEFAULT_TEMPLATES.find((d) => d.key === 'technician.weekly_performance' && d.channel === 'WHATSAPP')!;
    const text = (await useCases.renderTemplate.execute({ key: t.key, channel: t.channel, locale: t.locale, variables: { ...t.sampleVariables, completed_tickets: 0, bonus: 0, rating: null, rank: 1 } })).text;
    expect(text).toBe([
      '📈 *LAPORAN KINERJA MINGGUAN*',
      '',
      'Halo Ahmad Fauzi,',
      '',
      'Kinerja Anda periode 16-22 November 2026:',
      '',
      '✅ Tiket Selesai: 0',
      '',
      'Belum ada tiket yang Anda selesaikan pada periode ini. Semangat untuk minggu ini! 💪',
    ].join('\n'));
  });
});

describe('technician weekly performance: the closing line', () => {
  it('keeps "keep up your best work" for an SLA of 90% or more; below it thanks and asks for timeliness (QA: the last of the ranking at 50% was told to keep it up)', async () => {
    const t = DEFAULT_TEMPLATES.find((d) => d.key === 'technician.weekly_performance' && d.channel === 'WHATSAPP')!;
    const last = async (sla: number) =>
      (await useCases.renderTemplate.execute({ key: t.key, channel: t.channel, locale: t.locale, variables: { ...t.sampleVariables, sla_compliance: sla } })).text.split('\n').at(-1);
    expect(await last(96)).toBe('Terus pertahankan kinerja terbaik Anda! 💪');
    expect(await last(90)).toBe('Terus pertahankan kinerja terbaik Anda! 💪');
    expect(await last(50)).toBe('Terima kasih atas kerja keras Anda. Ayo tingkatkan ketepatan waktu (SLA) minggu ini! 💪');
  });
});

describe('SMS texts', () => {
  it('are the same for disturbance and installation keys (the seed SMS texts do not name the type)', () => {
    for (const step of ['created', 'assigned', 'started', 'completed', 'cancelled']) {
      for (const locale of LOCALES) {
        const [a, b] = ['disturbance', 'installation'].map(
          (type) => DEFAULT_TEMPLATES.find((t) => t.key === `ticket.${step}.${type}` && t.channel === 'SMS' && t.locale === locale)!,
        );
        expect(a!.body).toBe(b!.body);
      }
    }
  });

  it('all seeded SMS fit GSM-7 (no UCS-2 cost doubling)', async () => {
    for (const t of DEFAULT_TEMPLATES.filter((d) => d.channel === 'SMS')) {
      const rendered = await preview(t);
      expect([templateRefToString(t), rendered.encoding]).toEqual([templateRefToString(t), 'GSM-7']);
    }
  });
});

const describeWithSeeds = SEEDS_DIR ? describe : describe.skip;
describeWithSeeds('seed fixtures are verbatim copies of ../shared/reference/seeds', () => {
  const files = [
    ...new Set([
      ...SEED_GOLDEN_CASES.map((c) => `${c.seedFile}|${c.fixture}`),
      'customer-notification-system.md|customer-notification-system/header-lines.txt',
      'whatsapp-notification-recommendation.md|whatsapp-notification-recommendation/option-b-new-ticket-alert.txt',
    ]),
  ].map((s) => s.split('|') as [string, string]);

  it.each(files)('%s contains %s', (seedFile, fixture) => {
    expect(readSeed(seedFile)).toContain(readFixture(join('seeds', fixture)));
  });

  it('every seeded template names a seed file that exists', () => {
    const seeds = new Set(readdirSync(SEEDS_DIR!));
    for (const t of DEFAULT_TEMPLATES) expect(seeds.has(t.source.seed)).toBe(true);
  });
});

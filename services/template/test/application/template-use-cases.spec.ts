import { ConflictError, NotFoundError, ValidationError } from '@notify/errors';
import {
  Clock,
  DEFAULT_TEMPLATES,
  InMemoryTemplateRepository,
  MissingVariablesError,
  SEED_ACTOR,
  TemplateSyntaxError,
  TemplateUseCases,
  createTemplateUseCases,
} from '../../src';

class StepClock implements Clock {
  private t = Date.parse('2026-11-22T02:00:00Z');
  now(): Date {
    this.t += 1000;
    return new Date(this.t);
  }
}

const ref = { key: 'ticket.created.disturbance', channel: 'WHATSAPP', locale: 'id' } as const;
const v1Body = '🎫 *TIKET GANGGUAN DITERIMA*\n\nHalo {{ customer_name }}, tiket {{ ticket_number }}.';
const v2Body = '🎫 *TIKET DITERIMA*\n\nHalo {{ customer_name }}! Nomor: {{ ticket_number }}';
const samples = { customer_name: 'Budi Santoso', ticket_number: 'GGN-20261122-0042' };

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

let repo: InMemoryTemplateRepository;
let uc: TemplateUseCases;
beforeEach(() => {
  repo = new InMemoryTemplateRepository();
  uc = createTemplateUseCases(repo, { clock: new StepClock() });
});

const upsert = (body: string, extra: { activate?: boolean; actor?: string; locale?: string } = {}) =>
  uc.upsertTemplate.execute({
    ...ref,
    body,
    sampleVariables: samples,
    description: 'test',
    actor: 'admin',
    ...extra,
  });

describe('UpsertTemplate and versioning', () => {
  it('creates version 1, active, with who and when', async () => {
    const result = await upsert(v1Body);
    expect(result.created).toBe(true);
    expect(result.version).toMatchObject({ ...ref, version: 1, body: v1Body, createdBy: 'admin', description: 'test' });
    expect(result.version.createdAt.toISOString()).toBe('2026-11-22T02:00:01.000Z');
    expect(result.head).toMatchObject({ activeVersion: 1, latestVersion: 1, activatedBy: 'admin' });
    expect(result.variables).toEqual(['customer_name', 'ticket_number']);
  });

  it('adds later versions without activating them unless asked', async () => {
    await upsert(v1Body);
    const v2 = await upsert(v2Body);
    expect(v2.head).toMatchObject({ activeVersion: 1, latestVersion: 2 });
    expect((await uc.renderTemplate.execute({ ...ref, variables: samples })).version).toBe(1);
    const v3 = await upsert(v2Body + '.', { activate: true });
    expect(v3.head).toMatchObject({ activeVersion: 3, latestVersion: 3 });
    expect((await uc.renderTemplate.execute({ ...ref, variables: samples })).text).toBe(
      '🎫 *TIKET DITERIMA*\n\nHalo Budi Santoso! Nomor: GGN-20261122-0042.',
    );
  });

  it('is idempotent: the same content again stores nothing (and can activate the latest)', async () => {
    await upsert(v1Body);
    await upsert(v2Body);
    const again = await upsert(v2Body);
    expect(again).toMatchObject({ created: false, version: { version: 2 }, head: { activeVersion: 1 } });
    const activated = await upsert(v2Body, { activate: true, actor: 'lead' });
    expect(activated).toMatchObject({ created: false, head: { activeVersion: 2, activatedBy: 'lead' } });
    expect((await repo.listVersions(ref)).length).toBe(2);
  });

  it('keeps versions immutable: stored values are frozen', async () => {
    const { version } = await upsert(v1Body);
    expect(Object.isFrozen(version)).toBe(true);
    expect(Object.isFrozen(version.sampleVariables)).toBe(true);
  });

  it('lists the history oldest first with the active one marked by the head', async () => {
    await upsert(v1Body);
    await upsert(v2Body, { activate: true });
    await upsert(v2Body + '!');
    const history = await uc.listTemplateVersions.execute(ref);
    expect(history.versions.map((v) => [v.version, v.body.slice(0, 14)])).toEqual([
      [1, v1Body.slice(0, 14)],
      [2, v2Body.slice(0, 14)],
      [3, v2Body.slice(0, 14)],
    ]);
    expect(history.head).toMatchObject({ activeVersion: 2, latestVersion: 3 });
  });

  it('rolls back by activating an older version, and forward again', async () => {
    await upsert(v1Body);
    await upsert(v2Body, { activate: true });
    const render = () => uc.renderTemplate.execute({ ...ref, variables: samples });
    expect((await render()).version).toBe(2);

    const rollback = await uc.activateTemplateVersion.execute({ ...ref, version: 1, actor: 'supervisor' });
    expect(rollback).toMatchObject({ changed: true, head: { activeVersion: 1, latestVersion: 2, activatedBy: 'supervisor' } });
    const rendered = await render();
    expect(rendered).toMatchObject({ version: 1, text: '🎫 *TIKET GANGGUAN DITERIMA*\n\nHalo Budi Santoso, tiket GGN-20261122-0042.' });
    expect((await uc.getTemplate.execute(ref)).version.version).toBe(1);

    expect(await uc.activateTemplateVersion.execute({ ...ref, version: 1, actor: 'supervisor' })).toMatchObject({
      changed: false,
    });
    await uc.activateTemplateVersion.execute({ ...ref, version: 2, actor: 'supervisor' });
    expect((await render()).version).toBe(2);
  });

  it('refuses to activate a version that does not exist', async () => {
    await upsert(v1Body);
    const err = await rejection(uc.activateTemplateVersion.execute({ ...ref, version: 7, actor: 'x' }));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toBe('template version ticket.created.disturbance/WHATSAPP/id@7 not found');
    expect(await rejection(uc.activateTemplateVersion.execute({ ...ref, version: 0, actor: 'x' }))).toMatchObject({
      field: 'version',
    });
    expect(await rejection(uc.activateTemplateVersion.execute({ ...ref, key: 'no.such', version: 1, actor: 'x' }))).toBeInstanceOf(
      NotFoundError,
    );
  });

  it('surfaces a concurrent writer as ConflictError', async () => {
    await upsert(v1Body);
    const [a, b] = await Promise.allSettled([upsert(v2Body), upsert(v2Body + ' (b)')]);
    const outcomes = [a, b].map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as Error).constructor.name));
    expect(outcomes.sort()).toEqual(['ConflictError', 'ok']);
    expect(b.status === 'rejected' ? b.reason : a.status === 'rejected' ? a.reason : undefined).toBeInstanceOf(ConflictError);
  });
});

describe('UpsertTemplate validation (ValidationError naming the field)', () => {
  it.each([
    [{ key: 'Ticket.Created' }, 'key'],
    [{ key: 'ticket..created' }, 'key'],
    [{ key: '' }, 'key'],
    [{ key: 'a'.repeat(101) }, 'key'],
    [{ channel: 'EMAIL' }, 'channel'],
    [{ locale: 'fr' }, 'locale'],
    [{ body: '   ' }, 'body'],
    [{ body: 'x'.repeat(16_001) }, 'body'],
    [{ description: 'd'.repeat(501) }, 'description'],
    [{ actor: '' }, 'created_by'],
    [{ sampleVariables: 'not an object' }, 'sample_variables'],
    [{ sampleVariables: { 'bad-name': 1 } }, 'sample_variables.bad-name'],
    [{ sampleVariables: { n: Number.NaN } }, 'sample_variables.n'],
  ])('%j → %s', async (override, field) => {
    const err = await rejection(
      uc.upsertTemplate.execute({ ...ref, body: v1Body, sampleVariables: samples, actor: 'admin', ...override }),
    );
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe(field);
  });

  it('rejects a body that does not parse, with line and column, and stores nothing', async () => {
    const err = await rejection(upsert('🎫 *TIKET*\n\nHalo {{ customer_name | shout }}'));
    expect(err).toBeInstanceOf(TemplateSyntaxError);
    expect(err.message).toBe('body: does not parse at line 3, column 6: undefined filter: shout');
    expect(await repo.findHead(ref)).toBeUndefined();
  });

  it('requires the sample variables to render the body, naming every missing one', async () => {
    const err = await rejection(
      uc.upsertTemplate.execute({ ...ref, key: 'it.samples', body: '{{ a }} {{ b }} {{ c | datetime }}', sampleVariables: { b: 1 }, actor: 'x' }),
    );
    expect(err).toBeInstanceOf(MissingVariablesError);
    expect(err).toMatchObject({ field: 'sample_variables', missing: ['a', 'c'] });
  });

  it('an edit of the text alone keeps the latest version\'s samples and description; a variable it adds still needs a sample', async () => {
    const edited = { ...ref, key: 'it.edit.text' };
    await uc.upsertTemplate.execute({ ...edited, body: 'Halo {{ customer_name }}', sampleVariables: { customer_name: 'Budi' }, description: 'greeting', actor: 'x' });
    const v2 = await uc.upsertTemplate.execute({ ...edited, body: 'Hai {{ customer_name }}!', sampleVariables: {}, activate: true, actor: 'x' });
    expect(v2).toMatchObject({ created: true, version: { version: 2, sampleVariables: { customer_name: 'Budi' }, description: 'greeting' } });
    expect((await uc.previewTemplate.execute(edited)).text).toBe('Hai Budi!');
    const err = await rejection(uc.upsertTemplate.execute({ ...edited, body: 'Hai {{ customer_name }}, tiket {{ ticket_number }}', actor: 'x' }));
    expect(err).toMatchObject({ field: 'sample_variables', missing: ['ticket_number'] });
    // A new template has nothing to keep: its samples are required.
    const fresh = await rejection(uc.upsertTemplate.execute({ ...ref, key: 'it.edit.fresh', body: '{{ a }}', sampleVariables: {}, actor: 'x' }));
    expect(fresh).toMatchObject({ field: 'sample_variables', missing: ['a'] });
  });
});

describe('GetTemplate and ListTemplates', () => {
  beforeEach(async () => {
    await uc.seedDefaultTemplates.execute(DEFAULT_TEMPLATES);
  });

  it('gets the active version or a given one; unknown ones are NotFound', async () => {
    await upsert(v2Body);
    const active = await uc.getTemplate.execute(ref);
    expect(active).toMatchObject({ active: true, version: { version: 1, createdBy: SEED_ACTOR } });
    const v2 = await uc.getTemplate.execute({ ...ref, version: 2 });
    expect(v2).toMatchObject({ active: false, version: { version: 2, body: v2Body }, variables: ['customer_name', 'ticket_number'] });
    expect(await rejection(uc.getTemplate.execute({ ...ref, version: 3 }))).toBeInstanceOf(NotFoundError);
    const missing = await rejection(uc.getTemplate.execute({ ...ref, key: 'ticket.reopened.disturbance' }));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.message).toBe('template ticket.reopened.disturbance/WHATSAPP/id not found');
    expect(await rejection(uc.getTemplate.execute({ ...ref, version: -1 }))).toMatchObject({ field: 'version' });
  });

  it('gets exactly the locale asked for (no fallback)', async () => {
    await expect(uc.getTemplate.execute({ key: 'sla.warning', channel: 'WHATSAPP', locale: 'en' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('lists by key prefix, channel and locale', async () => {
    const all = await uc.listTemplates.execute();
    expect(all).toHaveLength(DEFAULT_TEMPLATES.length);
    const sms = await uc.listTemplates.execute({ keyPrefix: 'technician.', channel: 'sms', locale: 'en' });
    expect(sms.map((h) => h.key)).toEqual(['technician.job_offer', 'technician.job_started', 'technician.ticket_assigned', 'technician.ticket_cancelled']);
    const wa = await uc.listTemplates.execute({ keyPrefix: 'ticket.created', channel: 'WHATSAPP' });
    expect(wa.map((h) => `${h.key}/${h.locale}`)).toEqual(['ticket.created.disturbance/id', 'ticket.created.installation/id']);
    expect(await rejection(uc.listTemplates.execute({ keyPrefix: 'Ticket*' }))).toMatchObject({ field: 'key_prefix' });
    expect(await rejection(uc.listTemplates.execute({ channel: 'FAX' }))).toMatchObject({ field: 'channel' });
  });
});

describe('RenderTemplate', () => {
  beforeEach(async () => {
    await uc.seedDefaultTemplates.execute(DEFAULT_TEMPLATES);
  });

  it('renders the active version with the given variables and reports the version', async () => {
    const rendered = await uc.renderTemplate.execute({
      key: 'payment.reminder',
      channel: 'WHATSAPP',
      variables: {
        customer_name: 'Dewi',
        days_until_due: 7,
        invoice_number: 'INV-1',
        package_name: 'Home 10 Mbps',
        amount: 1250000,
        due_date: '2026-12-01',
      },
    });
    expect(rendered).toMatchObject({ key: 'payment.reminder', channel: 'WHATSAPP', locale: 'id', requestedLocale: 'id', version: 1 });
    expect(rendered.text).toContain('💰 Jumlah: Rp 1.250.000\n📅 Jatuh Tempo: 1 Desember 2026\n');
    expect(rendered.encoding).toBeUndefined();
  });

  it('falls back from en to id when the key has no en template, and says so', async () => {
    const rendered = await uc.renderTemplate.execute({
      key: 'sla.warning',
      channel: 'WHATSAPP',
      locale: 'en',
      variables: { ticket_number: 'T1', status: 'OPEN', sla_deadline: '2026-11-22T13:15:00+07:00', remaining_minutes: 45 },
    });
    expect(rendered).toMatchObject({ locale: 'id', requestedLocale: 'en' });
    expect(rendered.text).toContain('Remaining: 45 menit');
  });

  it('uses the en template when there is one', async () => {
    const rendered = await uc.renderTemplate.execute({
      key: 'ticket.started.disturbance',
      channel: 'SMS',
      locale: 'en',
      variables: { customer_name: 'Jane Roe', ticket_number: 'GNG-9' },
    });
    expect(rendered).toMatchObject({ locale: 'en', requestedLocale: 'en', encoding: 'GSM-7', segments: 1 });
    expect(rendered.text).toBe(
      "Hi Jane, your ticket #GNG-9 status has been updated to in-progress. We'll keep you posted on the progress.",
    );
  });

  it('does not fall back from id to en, nor across channels', async () => {
    await uc.upsertTemplate.execute({ key: 'only.english', channel: 'SMS', locale: 'en', body: 'Hello', actor: 'x' });
    await expect(uc.renderTemplate.execute({ key: 'only.english', channel: 'SMS', locale: 'id' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(uc.renderTemplate.execute({ key: 'only.english', channel: 'WHATSAPP', locale: 'en' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('names every missing variable of a seeded template', async () => {
    const err = await rejection(
      uc.renderTemplate.execute({ key: 'ticket.assigned.disturbance', channel: 'WHATSAPP', variables: { ticket_number: 'GNG-1' } }),
    );
    expect(err).toBeInstanceOf(MissingVariablesError);
    expect((err as MissingVariablesError).missing).toEqual(['customer_name', 'technician_name', 'technician_phone']);
  });

  it('rejects variables that are not an object', async () => {
    expect(
      await rejection(uc.renderTemplate.execute({ key: 'sla.warning', channel: 'WHATSAPP', variables: ['x'] })),
    ).toMatchObject({ field: 'variables' });
  });

  it('renders list sections only when the list has items', async () => {
    const base = {
      date: '2026-11-22',
      total: 3,
      completed: 1,
      in_progress: 1,
      assigned: 0,
      open: 1,
      sla_compliance: 67,
      avg_resolution_hours: 3,
    };
    const none = await uc.renderTemplate.execute({ key: 'summary.daily', channel: 'WHATSAPP', variables: { ...base, overdue_tickets: [] } });
    expect(none.text.endsWith('Avg Resolution: 3h')).toBe(true);
    const some = await uc.renderTemplate.execute({
      key: 'summary.daily',
      channel: 'WHATSAPP',
      variables: { ...base, overdue_tickets: [{ number: 'GNG-1', technician: 'Ahmad' }, { number: 'PSB-2' }] },
    });
    expect(some.text.endsWith('Avg Resolution: 3h\n\n⚠️ *Overdue:*\n• GNG-1 - Ahmad\n• PSB-2 - Belum assigned')).toBe(true);
    const more = await uc.renderTemplate.execute({
      key: 'summary.daily',
      channel: 'WHATSAPP',
      variables: { ...base, overdue_tickets: [{ number: 'GNG-1', technician: '' }], overdue_more: 21 },
    });
    expect(more.text.endsWith('Avg Resolution: 3h\n\n⚠️ *Overdue:*\n• GNG-1 - Belum assigned\n• +21 tiket lainnya')).toBe(true);
  });

  it('writes the optional parts of the SMS texts only when given', async () => {
    const created = await uc.renderTemplate.execute({
      key: 'ticket.created.installation',
      channel: 'SMS',
      locale: 'en',
      variables: { customer_name: 'Siti', ticket_number: 'PSB-1', description: 'New installation' },
    });
    expect(created.text).toBe(
      'Hi Siti, your support ticket #PSB-1 has been created. Issue: New installation. A technician will contact you shortly.',
    );
    const completed = await uc.renderTemplate.execute({
      key: 'ticket.completed.disturbance',
      channel: 'SMS',
      locale: 'id',
      variables: { customer_name: 'Budi S', ticket_number: 'GNG-1', completion_notes: '' },
    });
    expect(completed.text).toBe(
      'Halo Budi, tiket Anda #GNG-1 telah diselesaikan dan ditutup. Terima kasih telah memilih layanan kami!',
    );
  });
});

describe('PreviewTemplate', () => {
  beforeEach(async () => {
    await uc.seedDefaultTemplates.execute(DEFAULT_TEMPLATES);
  });

  it('renders with the sample variables, optionally overridden, for the active or a given version', async () => {
    const preview = await uc.previewTemplate.execute({ key: 'sla.warning', channel: 'WHATSAPP' });
    expect(preview.text).toContain('Assigned: Belum assigned\n');
    const overridden = await uc.previewTemplate.execute({
      key: 'sla.warning',
      channel: 'WHATSAPP',
      overrides: { technician_name: 'Ahmad Fauzi', remaining_minutes: 59 },
    });
    expect(overridden.text).toContain('Assigned: Ahmad Fauzi\nDeadline: 22 November 2026 13:15 WIB\nRemaining: 59 menit\n');

    await uc.upsertTemplate.execute({
      key: 'sla.warning',
      channel: 'WHATSAPP',
      body: '⚠️ {{ ticket_number }}',
      sampleVariables: { ticket_number: 'X' },
      actor: 'x',
    });
    expect((await uc.previewTemplate.execute({ key: 'sla.warning', channel: 'WHATSAPP', version: 2 })).text).toBe('⚠️ X');
    expect((await uc.previewTemplate.execute({ key: 'sla.warning', channel: 'WHATSAPP' })).version).toBe(1);
  });

  it('is exact about the locale', async () => {
    await expect(uc.previewTemplate.execute({ key: 'sla.warning', channel: 'WHATSAPP', locale: 'en' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});

describe('default templates: optional link and help lines', () => {
  const sampleOf = (key: string) => DEFAULT_TEMPLATES.find((t) => t.key === key && t.channel === 'WHATSAPP' && t.locale === 'id')!.sampleVariables;
  const render = (key: string, variables: Record<string, unknown>) =>
    uc.renderTemplate.execute({ key, channel: 'WHATSAPP', locale: 'id', variables }).then((r) => r.text);

  it('customer.welcome names the support number when one is configured, and leaves the help line out when not', async () => {
    await uc.seedDefaultTemplates.execute(DEFAULT_TEMPLATES);
    const vars = sampleOf('customer.welcome');
    const withPhone = await render('customer.welcome', vars);
    expect(withPhone).toContain('\n\nButuh bantuan? Hubungi customer service kami di +6282112345678.\n\nTerima kasih telah memilih layanan kami!');
    for (const without of [{ ...vars, support_phone: '' }, Object.fromEntries(Object.entries(vars).filter(([k]) => k !== 'support_phone'))]) {
      const text = await render('customer.welcome', without);
      expect(text).not.toContain('Butuh bantuan');
      expect(text).toContain('Selamat menikmati koneksi WiFi Anda!\n\nTerima kasih telah memilih layanan kami!');
    }
  });

  it.each([
    ['technician.ticket_assigned', 'ticket_url', '🔗 Detail: '],
    ['case.escalation.lead', 'detail_url', 'Detail: '],
    ['case.escalation.head', 'detail_url', 'Detail: '],
  ])('%s carries the ticket link when a portal is configured, and no link line without one', async (key, variable, line) => {
    await uc.seedDefaultTemplates.execute(DEFAULT_TEMPLATES);
    const vars = sampleOf(key);
    expect(await render(key, vars)).toContain(`\n\n${line}`);
    const text = await render(key, { ...vars, [variable]: '' });
    expect(text).not.toContain('Detail: ');
    expect(text).not.toMatch(/\s$/);
  });
});

describe('SeedDefaultTemplates', () => {
  it('installs every default once and leaves existing templates alone on the next run', async () => {
    const first = await uc.seedDefaultTemplates.execute(DEFAULT_TEMPLATES);
    expect(first.created).toHaveLength(DEFAULT_TEMPLATES.length);
    expect(first.skipped).toEqual([]);

    await upsert(v2Body, { activate: true }); // an editor changes a seeded template
    const second = await uc.seedDefaultTemplates.execute(DEFAULT_TEMPLATES);
    expect(second.created).toEqual([]);
    expect(second.skipped).toHaveLength(DEFAULT_TEMPLATES.length);
    expect((await uc.getTemplate.execute(ref)).version.body).toBe(v2Body);
    expect((await repo.listHeads({})).every((h) => h.latestVersion >= 1)).toBe(true);
  });

  it('upgrades an untouched seeded template whose default changed; never one an editor touched', async () => {
    await uc.seedDefaultTemplates.execute(DEFAULT_TEMPLATES);
    const [a, b, c] = DEFAULT_TEMPLATES.filter((t) => t.channel === 'WHATSAPP').slice(0, 3).map((t) => ({ ...t, body: `${t.body}\n(v2)` }));
    const refOf = (t: typeof a) => ({ key: t!.key, channel: t!.channel, locale: t!.locale });
    // b: an editor made a version of their own; c: an editor went back to version 1 after a seeded v2.
    await uc.upsertTemplate.execute({ ...refOf(b), body: `${b!.body} (edited)`, sampleVariables: b!.sampleVariables, activate: true, actor: 'key:editor' });
    await uc.seedDefaultTemplates.execute([c!]);
    await uc.activateTemplateVersion.execute({ ...refOf(c), version: 1, actor: 'key:editor' });
    const res = await uc.seedDefaultTemplates.execute([a!, b!, { ...c!, body: `${c!.body}\n(v3)` }]);
    expect(res).toEqual({ created: [], upgraded: [expect.stringContaining(a!.key)], skipped: [expect.stringContaining(b!.key), expect.stringContaining(c!.key)] });
    const got = await uc.getTemplate.execute(refOf(a));
    expect(got.version).toMatchObject({ version: 2, body: a!.body, createdBy: 'seed' });
    expect((await uc.getTemplate.execute(refOf(b))).version.body).toBe(`${b!.body} (edited)`);
    expect((await uc.getTemplate.execute(refOf(c))).version.version).toBe(1);
    // The same defaults again: nothing to do.
    expect((await uc.seedDefaultTemplates.execute([a!])).upgraded).toEqual([]);
    // An older release starting again (its default = version 1's body) does not write it back.
    const original = DEFAULT_TEMPLATES.find((t) => t.key === a!.key && t.channel === a!.channel && t.locale === a!.locale)!;
    expect(await uc.seedDefaultTemplates.execute([original])).toMatchObject({ upgraded: [], skipped: [expect.stringContaining(a!.key)] });
    expect((await uc.getTemplate.execute(refOf(a))).version).toMatchObject({ version: 2, body: a!.body });
  });

  it('a replica losing the race to seed a template (ConflictError) leaves the winner\'s and goes on', async () => {
    const [first, second] = DEFAULT_TEMPLATES.slice(0, 2);
    const append = repo.appendVersion.bind(repo);
    let raced = false;
    repo.appendVersion = async (version, head) => {
      if (!raced) {
        raced = true;
        throw new ConflictError('template is at version 1; version 1 cannot follow it');
      }
      return append(version, head);
    };
    const res = await uc.seedDefaultTemplates.execute([first!, second!]);
    expect(res.created).toEqual([expect.stringContaining(second!.key)]);
    expect(res.skipped).toEqual([expect.stringContaining(first!.key)]);
  });

  it('stops with the ValidationError of a default that does not parse', async () => {
    const broken = { ...DEFAULT_TEMPLATES[0]!, key: 'broken.template', body: '{{ x | nope }}' };
    await expect(uc.seedDefaultTemplates.execute([broken])).rejects.toBeInstanceOf(TemplateSyntaxError);
  });
});

// Templates the events render may use only the variables the events carry (@notify/events
// TEMPLATE_KEY_EVENTS / EVENT_TEMPLATE_VARIABLES): the defaults do, and an edit that does not is
// refused (QA: `{{ cs_phone }}` in ticket.created.disturbance left every customer out, silently).
import { TEMPLATE_KEY_EVENTS, eventTemplateVariables } from '@notify/events';
import { ValidationError } from '@notify/errors';
import { DEFAULT_TEMPLATES, InMemoryTemplateRepository, TemplateRenderer, createTemplateUseCases } from '../../src';

describe('templates the events render and the variables the events carry', () => {
  const renderer = new TemplateRenderer();

  it.each(DEFAULT_TEMPLATES.filter((t) => eventTemplateVariables(t.key)).map((t) => [`${t.key} ${t.channel}/${t.locale}`, t] as const))(
    'the default %s renders from what its events carry (samples of other variables left out)',
    (_name, t) => {
      const supplied = eventTemplateVariables(t.key)!.variables;
      const asAnEvent = Object.fromEntries(Object.entries(t.sampleVariables).filter(([k]) => supplied.has(k)));
      expect(() => renderer.render({ ...t, version: 1, sampleVariables: {}, description: '', createdAt: new Date(0), createdBy: 'test' }, asAnEvent)).not.toThrow();
    },
  );

  it('the only variables of a default its events do not carry are optional ones (the weekly rating and bonus: Notify keeps none)', () => {
    const extra = DEFAULT_TEMPLATES.flatMap((t) => {
      const supplied = eventTemplateVariables(t.key)?.variables;
      return supplied ? renderer.compile(t, t.body).variables.filter((v) => !supplied.has(v)).map((v) => `${t.key}:${v}`) : [];
    });
    expect([...new Set(extra)].sort()).toEqual(['technician.weekly_performance:bonus', 'technician.weekly_performance:rating']);
  });

  it('every key the catalogue lists is seeded', () => {
    const seeded = new Set(DEFAULT_TEMPLATES.map((t) => t.key));
    expect(Object.keys(TEMPLATE_KEY_EVENTS).filter((k) => !seeded.has(k))).toEqual([]);
  });

  describe('UpsertTemplate', () => {
    const uc = createTemplateUseCases(new InMemoryTemplateRepository());
    const edit = (key: string, body: string, sampleVariables: Record<string, unknown>, allowUnsuppliedVariables?: boolean) =>
      uc.upsertTemplate.execute({ key, channel: 'WHATSAPP', locale: 'id', body, sampleVariables, actor: 'test', ...(allowUnsuppliedVariables ? { allowUnsuppliedVariables } : {}) });

    it('refuses a variable the events do not carry, naming it, the events and what they carry; nothing is stored', async () => {
      const err = await edit('ticket.created.disturbance', 'Halo {{ customer_name }}, tiket {{ ticket_number }}. CS: {{ cs_phone }}', {
        customer_name: 'Budi', ticket_number: 'GGN-1', cs_phone: '0267-123456',
      }).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe('body');
      expect((err as Error).message).toMatch(/uses \{\{ cs_phone \}\}, which the events rendering ticket\.created\.disturbance \(ticket\.created\) do not carry/);
      expect((err as Error).message).toMatch(/Variables they carry: .*technician_phone.*ticket_number/);
      await expect(uc.getTemplate.execute({ key: 'ticket.created.disturbance', channel: 'WHATSAPP', locale: 'id' })).rejects.toThrow(/not found/i);
    });

    it('checks the reply flow\'s templates against what the reply flow gives; technician.job_started against what both its event and the reply flow give', async () => {
      const taken = await edit('technician.job_taken', 'DIAMBIL {{ ticket_number }} {{ cs_phone }}', { ticket_number: 'GGN-1', cs_phone: '1' }).then(() => null, (e: unknown) => e);
      expect((taken as Error).message).toMatch(/uses \{\{ cs_phone \}\}, which the events rendering technician\.job_taken \(the reply flow\) do not carry/);
      // technician_phone: ticket.started carries it, the reply flow does not.
      const started = await edit('technician.job_started', 'MULAI {{ ticket_number }} {{ technician_phone }}', { ticket_number: 'GGN-1', technician_phone: '62812' }).then(() => null, (e: unknown) => e);
      expect((started as Error).message).toMatch(/\{\{ technician_phone \}\}, which the events rendering technician\.job_started \(ticket\.started, the reply flow\) do not carry/);
      expect((await edit('technician.job_started', 'MULAI {{ ticket_number }} oleh {{ technician_name }}', { ticket_number: 'GGN-1', technician_name: 'Lutfi' })).created).toBe(true);
    });

    it('says so before asking for a sample of it (QA: "sample_variables: missing variable: cs_phone" hid why)', async () => {
      const err = await edit('ticket.started.disturbance', 'Dimulai {{ ticket_number }}. CS: {{ cs_phone }}', { ticket_number: 'GGN-1' }).then(() => null, (e: unknown) => e);
      expect((err as ValidationError).field).toBe('body');
      expect((err as Error).message).toMatch(/uses \{\{ cs_phone \}\}/);
      // Allowed, the sample is still needed.
      const sample = await edit('ticket.started.disturbance', 'Dimulai {{ ticket_number }}. CS: {{ cs_phone }}', { ticket_number: 'GGN-1' }, true).then(() => null, (e: unknown) => e);
      expect((sample as ValidationError).field).toBe('sample_variables');
    });

    it('stores it with allow_unsupplied_variables; takes any variable the events carry; any variable for a template no event renders', async () => {
      expect((await edit('ticket.created.disturbance', 'CS: {{ cs_phone }}', { cs_phone: '0267' }, true)).created).toBe(true);
      expect((await edit('ticket.assigned.disturbance', 'Teknisi {{ technician_name }} ({{ technician_phone }}) untuk {{ ticket_number }}', {
        technician_name: 'Lutfi', technician_phone: '6281200000001', ticket_number: 'GGN-1',
      })).created).toBe(true);
      expect((await edit('maintenance.notice', 'Perbaikan di {{ area }}: {{ anything_the_caller_sends }}', { area: 'Karawang', anything_the_caller_sends: 'x' })).created).toBe(true);
      // A variable the events leave out used only where it is given (`if`) renders without it: taken.
      expect((await edit('technician.weekly_performance', 'Halo {{ technician_name }}{% if rating %} ⭐ {{ rating }}{% endif %}', { technician_name: 'Lutfi', rating: 4.8 })).created).toBe(true);
    });
  });
});

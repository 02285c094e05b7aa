// The daily summary's lines add up to its total: the day's cancelled tickets get a line of their
// own when there are any (QA: "Total Tickets: 9" over lines adding up to 7); without any, the
// seed's Template 3 text as it is (default-templates.golden.spec.ts). A day with nothing completed
// has no SLA compliance or resolution time to give.
import { DEFAULT_TEMPLATES, TemplateRenderer } from '../../src';

describe('summary.daily', () => {
  const t = DEFAULT_TEMPLATES.find((x) => x.key === 'summary.daily' && x.channel === 'WHATSAPP')!;
  const render = (extra: Record<string, number>) =>
    new TemplateRenderer().render({ ...t, version: 1, sampleVariables: {}, description: '', createdAt: new Date(0), createdBy: 'test' }, { ...t.sampleVariables, ...extra } as typeof t.sampleVariables).text;

  it('lists the cancelled tickets after the open ones when there are any', () => {
    const text = render({ total: 27, cancelled: 2 });
    expect(text).toContain('🆕 Open: 1\n❌ Cancelled: 2\n\nSLA Compliance: 95%');
  });

  it('says `-` for SLA compliance and resolution time on a day no ticket was completed (QA: "SLA Compliance: 0%" read as every ticket late); the figures otherwise', () => {
    expect(render({ resolved: 0, sla_compliance: 0, avg_resolution_hours: 0 })).toMatch(/\n\nSLA Compliance: -\nAvg Resolution: -$/);
    expect(render({ resolved: 3 })).toMatch(/\n\nSLA Compliance: 95%\nAvg Resolution: 2\.5h$/);
  });

  it('has no cancelled line without cancelled tickets', () => {
    expect(render({ cancelled: 0 })).not.toContain('Cancelled');
    expect(render({})).toContain('🆕 Open: 1\n\nSLA Compliance: 95%');
  });
});

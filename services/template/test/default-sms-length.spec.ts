import { DEFAULT_TEMPLATES, TemplateRenderer, type TemplateVariables, type TemplateVersion } from '../src';

/**
 * The default SMS texts stay within one SMS message (1600 characters, Twilio's limit) whatever
 * the ticket says: the gateway's `description` is the ticket's title and description (up to
 * 200 + 2000 characters), and names may be 200 characters.
 */
describe('default SMS templates with the longest ticket texts', () => {
  const renderer = new TemplateRenderer();
  const sms = DEFAULT_TEMPLATES.filter((t) => t.channel === 'SMS');

  it('there are SMS defaults carrying the description', () => {
    expect(sms.filter((t) => t.body.includes('description')).length).toBeGreaterThanOrEqual(4);
  });

  it.each(sms.map((t) => [`${t.key}/${t.locale}`, t] as const))('%s renders under 1600 characters, the description cut with "..."', (_name, t) => {
    const long = (v: unknown) => (typeof v === 'string' ? 'Kabel fiber putus di tiang dekat rumah. '.repeat(60).slice(0, 2200) : v);
    const variables: TemplateVariables = Object.fromEntries(Object.entries(t.sampleVariables).map(([k, v]) => [k, k === 'description' || k.endsWith('_name') ? (k === 'description' ? long(v) : 'N'.repeat(200)) : v])) as TemplateVariables;
    const version: TemplateVersion = { key: t.key, channel: t.channel, locale: t.locale, version: 1, body: t.body, sampleVariables: {}, description: '', createdAt: new Date(0), createdBy: 'test' };
    const rendered = renderer.render(version, variables);
    expect(Array.from(rendered.text).length).toBeLessThanOrEqual(1600);
    if (t.body.includes('description')) expect(rendered.text).toContain('...');
  });
});

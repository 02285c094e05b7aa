import { DEFAULT_TEMPLATES, MAX_MESSAGE_CHARACTERS, TemplateRenderer, type TemplateVariables, type TemplateVersion } from '../src';

/**
 * Every default text stays within one message of its channel (WhatsApp 4096, SMS 1600
 * characters) whatever the ticket and directory hold at their limits: the gateway's
 * `description` is the ticket's title and description (200 + 1 + 4000 characters), addresses
 * 500, names 200, cancel / escalation reasons 2000. A default that could exceed it would fail to
 * render for a real ticket, and its notification would be lost.
 */
describe('default templates with the longest values the services accept', () => {
  const renderer = new TemplateRenderer();
  const longest = (name: string, sample: unknown): unknown => {
    if (typeof sample !== 'string') return sample;
    const text = (n: number) => 'Kabel fiber putus di tiang dekat rumah. '.repeat(Math.ceil(n / 40)).slice(0, n);
    if (name === 'description') return text(4201);
    if (name === 'address') return text(500);
    if (name === 'reason') return text(2000);
    if (name.endsWith('_name')) return 'N'.repeat(200);
    return sample;
  };

  it('the description is cut in the texts that carry it: 300 characters on SMS, 2000 on WhatsApp', () => {
    const carrying = DEFAULT_TEMPLATES.filter((t) => /\{\{ *description/.test(t.body));
    expect(carrying.filter((t) => t.channel === 'SMS').length).toBeGreaterThanOrEqual(4);
    for (const t of carrying) expect([t.key, t.body]).toEqual([t.key, expect.stringMatching(t.channel === 'SMS' ? /description[^}]*truncate: 300/ : /description[^}]*truncate: 2000/)]);
  });

  it.each(DEFAULT_TEMPLATES.map((t) => [`${t.key} ${t.channel}/${t.locale}`, t] as const))('%s fits one message', (_name, t) => {
    const variables = Object.fromEntries(Object.entries(t.sampleVariables).map(([k, v]) => [k, longest(k, v)])) as TemplateVariables;
    const version: TemplateVersion = { key: t.key, channel: t.channel, locale: t.locale, version: 1, body: t.body, sampleVariables: {}, description: '', createdAt: new Date(0), createdBy: 'test' };
    const rendered = renderer.render(version, variables);
    expect(Array.from(rendered.text).length).toBeLessThanOrEqual(MAX_MESSAGE_CHARACTERS[t.channel]);
  });
});

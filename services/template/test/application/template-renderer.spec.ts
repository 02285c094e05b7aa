import { ValidationError } from '@notify/errors';
import {
  Channel,
  Locale,
  MissingVariablesError,
  TemplateRenderer,
  TemplateSyntaxError,
  TemplateVariables,
  TemplateVersion,
} from '../../src';

let nextVersion = 1;
function version(body: string, channel: Channel = 'WHATSAPP', locale: Locale = 'id', key = 'test.template'): TemplateVersion {
  return {
    key,
    channel,
    locale,
    version: nextVersion++,
    body,
    sampleVariables: {},
    description: '',
    createdAt: new Date(0),
    createdBy: 'test',
  };
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('strict variables', () => {
  const renderer = new TemplateRenderer();

  it('names every missing variable, not only the first, in order of use', () => {
    const v = version('Halo {{ customer_name }}, tiket {{ ticket_number }} ({{ customer.phone }}) dibuat {{ created_at | datetime }}.');
    const err = errorOf(() => renderer.render(v, { customer: {} }));
    expect(err).toBeInstanceOf(MissingVariablesError);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as MissingVariablesError).missing).toEqual(['customer_name', 'ticket_number', 'customer.phone', 'created_at']);
    expect((err as ValidationError).field).toBe('variables');
    expect(err.message).toBe('variables: missing variables: customer_name, ticket_number, customer.phone, created_at');
  });

  it('reports the variables a loop or a condition needs too', () => {
    const v = version('{{ a }}{% for t in tickets %}{{ t }}{% endfor %}{% if flag %}{{ b }}{% endif %}{{ c }}');
    const err = errorOf(() => renderer.render(v, { flag: true })) as MissingVariablesError;
    expect(err.missing).toEqual(['a', 'tickets', 'b', 'c']);
  });

  it('does not require variables used only in {% if %} or with a first default filter (optional ones)', () => {
    const v = version('A{% if notes %} {{ notes }}{% endif %} {{ reason | default: "-" }}');
    expect(renderer.render(v, {}).text).toBe('A -');
    expect(renderer.render(v, { notes: 'n', reason: 'r' }).text).toBe('A n r');
    expect(renderer.render(v, { notes: '', reason: '' }).text).toBe('A -'); // "" is falsy (jsTruthy)
  });

  it('only requires what the taken branch needs', () => {
    const v = version('{% if assigned %}{{ technician_name }}{% else %}Belum assigned{% endif %}');
    expect(renderer.render(v, { assigned: false }).text).toBe('Belum assigned');
    expect((errorOf(() => renderer.render(v, { assigned: true })) as MissingVariablesError).missing).toEqual([
      'technician_name',
    ]);
  });

  it('accepts null as a given (empty) value', () => {
    expect(renderer.render(version('[{{ a }}]'), { a: null }).text).toBe('[]');
  });

  it('reports a missing field of a list item by its loop name', () => {
    const v = version('{% for t in tickets %}{{ t.number }} {% endfor %}');
    expect((errorOf(() => renderer.render(v, { tickets: [{ number: 'A' }, {}] })) as MissingVariablesError).missing).toEqual([
      't.number',
    ]);
  });
});

describe('parse errors', () => {
  const renderer = new TemplateRenderer();

  it.each([
    ['Halo\n{{ name | no_such_filter }}', 2, 1, 'undefined filter: no_such_filter'],
    ['Halo\n\n  {% if x %}tanpa penutup', 3, 3, 'tag {% if x %} not closed'],
    ['Line one\nLine {{ two', 2, 6, 'output "{{ two" not closed'],
    ['{% nosuchtag %}', 1, 1, 'tag "nosuchtag" not found'],
    // A tag closed with one brace only, before the next tag: said so, where it opens (QA: liquidjs
    // said 'expected "|" before filter' at the next output).
    ['Halo {{ customer_name }, tiket {{ ticket_number }}.', 1, 6, '"{{" is not closed with "}}" before the next tag or the end of the text'],
    ['{% if x }ya{% endif %}', 1, 1, '"{%" is not closed with "%}" before the next tag or the end of the text'],
  ])('%j → line %i, column %i', (body, line, column, reason) => {
    const err = errorOf(() => renderer.compile({ channel: 'WHATSAPP', locale: 'id' }, body));
    expect(err).toBeInstanceOf(TemplateSyntaxError);
    expect(err).toMatchObject({ field: 'body', line, column, reason });
    expect(err.message).toBe(`body: does not parse at line ${line}, column ${column}: ${reason}`);
  });

  it.each(['include', 'render', 'layout'])('has no {%% %s %%} tag (no file access)', (tag) => {
    const err = errorOf(() => renderer.compile({ channel: 'SMS', locale: 'en' }, `x {% ${tag} "/etc/passwd" %}`));
    expect(err).toBeInstanceOf(TemplateSyntaxError);
    expect(err.message).toContain(`tag "${tag}" not found`);
  });
});

describe('values filters cannot read', () => {
  const renderer = new TemplateRenderer();

  it('are a ValidationError with the output and its position', () => {
    const v = version('Halo\nDibuat: {{ created_at | datetime }}');
    const err = errorOf(() => renderer.render(v, { created_at: 'kemarin' }));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe('variables');
    expect(err.message).toContain('line 2, column 9');
    expect(err.message).toContain('expected a date-time');
    expect(err.message).not.toContain('kemarin'); // values are not echoed
  });

  it('are reported for rupiah amounts with fractions', () => {
    expect(() => renderer.render(version('{{ amount | rupiah }}'), { amount: 10.5 })).toThrow(/whole rupiah/);
  });
});

describe('value escaping through variables', () => {
  const renderer = new TemplateRenderer();
  const body = '🎫 *TIKET DITERIMA*\nHalo {{ customer_name }},\nStatus: OPEN';

  it('keeps the template bold and neutralises *bold* injected through a variable (WhatsApp)', () => {
    const { text } = renderer.render(version(body), { customer_name: '*GRATIS* _klik_ ~x~ `y`' });
    expect(text).toBe('🎫 *TIKET DITERIMA*\nHalo ∗GRATIS∗ ˍklikˍ ∼x∼ ˋyˋ,\nStatus: OPEN');
    expect(text.match(/\*/g)).toHaveLength(2); // only the template's own markers
  });

  it('keeps a value on its line: a newline cannot forge a status line, controls are stripped', () => {
    const { text } = renderer.render(version(body), { customer_name: 'Budi\n✅ Status: COMPLETED\u0000\u001B[31m\u202E' });
    expect(text).toBe('🎫 *TIKET DITERIMA*\nHalo Budi ✅ Status: COMPLETED[31m,\nStatus: OPEN');
    expect(text.split('\n')).toHaveLength(3);
  });

  it('escapes values inside loops and after filters as well', () => {
    const v = version('{% for a in actions %}• {{ a | upcase }}\n{% endfor %}');
    expect(renderer.render(v, { actions: ['*a*', 'b\nc'] }).text).toBe('• ∗A∗\n• B C\n');
  });

  it('leaves SMS values unchanged apart from controls and line breaks', () => {
    const { text } = renderer.render(version('Hi {{ n }}.', 'SMS', 'en'), { n: '*J*_D_\u0007\nX' });
    expect(text).toBe('Hi *J*_D_ X.');
  });

  it('percent-encodes markers in url values instead of replacing them', () => {
    const { text } = renderer.render(version('🔗 {{ link | url }}'), { link: 'https://x.id/a_b*c' });
    expect(text).toBe('🔗 https://x.id/a%5Fb%2Ac');
  });
});

describe('output details', () => {
  const renderer = new TemplateRenderer();

  it('WhatsApp: characters are code points; no encoding or segments', () => {
    const rendered = renderer.render(version('🎫 {{ x }}'), { x: 'ab' });
    expect(rendered).toEqual({ text: '🎫 ab', characters: 4 });
  });

  it('SMS: GSM-7 septets and segments', () => {
    const r160 = renderer.render(version('{{ x }}', 'SMS', 'en'), { x: 'a'.repeat(160) });
    expect(r160).toMatchObject({ encoding: 'GSM-7', segments: 1, characters: 160 });
    const r161 = renderer.render(version('{{ x }}€', 'SMS', 'en'), { x: 'a'.repeat(159) });
    expect(r161).toMatchObject({ encoding: 'GSM-7', segments: 2, characters: 161 });
  });

  it('SMS: an emoji in a value switches to UCS-2 and counts 2', () => {
    const rendered = renderer.render(version('Halo {{ x }}', 'SMS', 'id'), { x: '😀'.repeat(33) });
    expect(rendered).toMatchObject({ encoding: 'UCS-2', characters: 5 + 66, segments: 2 });
  });
});

describe('message length per channel', () => {
  const renderer = new TemplateRenderer();

  it('WhatsApp: up to 4096 characters render; one more is a ValidationError on variables saying the limit', () => {
    expect(renderer.render(version('🎫{{ x }}'), { x: 'a'.repeat(4095) }).characters).toBe(4096);
    const err = errorOf(() => renderer.render(version('🎫{{ x }}'), { x: 'a'.repeat(4096) }));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe('variables');
    expect(err.message).toBe('variables: the rendered WHATSAPP message is 4097 characters; one message holds at most 4096 (WhatsApp text body limit): shorten the longest values');
  });

  it('SMS: up to 1600 characters (Twilio refuses more, 21617)', () => {
    expect(renderer.render(version('{{ x }}', 'SMS', 'en'), { x: 'a'.repeat(1600) }).text).toHaveLength(1600);
    expect(() => renderer.render(version('{{ x }}', 'SMS', 'en'), { x: 'a'.repeat(1601) })).toThrow('one message holds at most 1600');
  });
});

describe('compiled template cache', () => {
  it('parses a version once and serves it from the cache afterwards', () => {
    const renderer = new TemplateRenderer();
    const v = version('Halo {{ n }}');
    renderer.render(v, { n: 'a' });
    renderer.render(v, { n: 'b' });
    renderer.render(v, { n: 'c' });
    expect(renderer.compileCount).toBe(1);
    renderer.render({ ...v, version: v.version + 1000 }, { n: 'd' });
    expect(renderer.compileCount).toBe(2);
  });

  it('is bounded (LRU): the least recently used version is parsed again', () => {
    const renderer = new TemplateRenderer({ cacheSize: 2 });
    const [a, b, c] = [version('A{{ n }}'), version('B{{ n }}'), version('C{{ n }}')];
    const vars: TemplateVariables = { n: 1 };
    renderer.render(a, vars);
    renderer.render(b, vars);
    renderer.render(a, vars); // a is now the most recent
    renderer.render(c, vars); // evicts b
    expect(renderer.compileCount).toBe(3);
    renderer.render(a, vars);
    expect(renderer.compileCount).toBe(3);
    renderer.render(b, vars);
    expect(renderer.compileCount).toBe(4);
  });

  it('recompiles when a version number comes back with another body', () => {
    const renderer = new TemplateRenderer();
    const v = version('one {{ n }}');
    expect(renderer.render(v, { n: 1 }).text).toBe('one 1');
    expect(renderer.render({ ...v, body: 'two {{ n }}' }, { n: 1 }).text).toBe('two 1');
  });
});

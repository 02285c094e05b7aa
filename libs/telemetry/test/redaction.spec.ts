import { REDACTED, maskPhone, redactDeep, redactText, sensitiveKind } from '../src';

describe('maskPhone', () => {
  it.each([
    ['6282291921583', '62822****583'],
    ['+6282291921583', '+62822****583'],
    ['082291921583', '08229****583'],
    ['82291921583', '8229****583'],
    ['0822-9192-1583', '08229****583'],
    ['14155550100', '1415****100'],
    ['123456789', '12****89'],
    ['12345', '****'],
    ['62822****583', '62822****583'],
  ])('%s → %s', (input, expected) => {
    expect(maskPhone(input)).toBe(expected);
  });
});

describe('redactText', () => {
  it('masks phone numbers inside free text, keeping the rest', () => {
    expect(redactText('sent to 6282291921583 via fonnte')).toBe('sent to 62822****583 via fonnte');
    expect(redactText('whatsapp:+6282291921583')).toBe('whatsapp:+62822****583');
    expect(redactText('6282291921583@s.whatsapp.net')).toBe('62822****583@s.whatsapp.net');
    expect(redactText('to 082291921583, then 6281234567890.')).toBe('to 08229****583, then 62812****890.');
    expect(redactText('/v1/recipients/6282291921583/deliveries')).toBe('/v1/recipients/62822****583/deliveries');
  });

  it('leaves ids, hex, UUIDs, decimals and short numbers alone', () => {
    const untouched = [
      'ticket TKT-20241122-0001',
      'uuid 550e8400-e29b-41d4-a716-446655440000',
      'trace 4bf92f3577b34da6a3ce929d0e0e4736',
      'amount 0.1234567890123',
      'fonnte id 80367170',
      'group 120363025343523542@g.us',
      'sid SM1234567890123456789012345678abcd',
    ];
    for (const s of untouched) expect(redactText(s)).toBe(s);
  });

  it('redacts sensitive URL query values', () => {
    expect(redactText('GET https://api.fonnte.com/send?token=abc123&target=6282291921583&message=Halo%20Budi')).toBe(
      `GET https://api.fonnte.com/send?token=${REDACTED}&target=62822****583&message=${REDACTED}`,
    );
    expect(redactText('/cb?api_key=zz&page=2')).toBe(`/cb?api_key=${REDACTED}&page=2`);
    // A bare query string (the HTTP server span's url.query attribute): the webhook secret.
    expect(redactText('secret=notify-local-webhook-secret')).toBe(`secret=${REDACTED}`);
    expect(redactText('secret=abc&x=1')).toBe(`secret=${REDACTED}&x=1`);
    expect(redactText('page=2&token=t')).toBe(`page=2&token=${REDACTED}`);
  });
});

describe('sensitiveKind', () => {
  it.each([
    ['authorization', 'secret'],
    ['Authorization', 'secret'],
    ['x-api-key', 'secret'],
    ['apiKey', 'secret'],
    ['accessToken', 'secret'],
    ['webhook_secret', 'secret'],
    ['http.request.header.authorization', 'secret'],
    ['password', 'secret'],
    ['set-cookie', 'secret'],
    ['x-twilio-signature', 'secret'],
    ['body', 'body'],
    ['text', 'body'],
    ['message_body', 'body'],
    ['messageBody', 'body'],
    ['notify.message_body', 'body'],
    ['ticket_id', false],
    ['message', false],
    ['textual', false],
    ['template_key', false],
  ] as const)('%s → %s', (key, kind) => {
    expect(sensitiveKind(key)).toBe(kind);
  });
});

describe('redactDeep', () => {
  it('redacts nested secrets, bodies and phones and never modifies the input', () => {
    const input = {
      ticket_id: 't-1',
      recipient: { phone: '6282291921583', name: 'Budi' },
      phones: ['+6282291921583', '081234567890'],
      headers: { authorization: 'Bearer abc.def', 'content-type': 'application/json' },
      request: { json: { token: 'T0KEN', target: '6282291921583', message_body: 'Halo Budi, teknisi menuju lokasi' } },
      sms: { text: 'OTP 1234' },
      count: 3,
      to: 6282291921583,
      when: new Date('2024-11-22T03:00:00.000Z'),
    };
    const copy = structuredClone(input);
    expect(redactDeep(input)).toEqual({
      ticket_id: 't-1',
      recipient: { phone: '62822****583', name: 'Budi' },
      phones: ['+62822****583', '08123****890'],
      headers: { authorization: REDACTED, 'content-type': 'application/json' },
      request: { json: { token: REDACTED, target: '62822****583', message_body: REDACTED } },
      sms: { text: REDACTED },
      count: 3,
      to: '62822****583',
      when: '2024-11-22T03:00:00.000Z',
    });
    expect(input).toEqual(copy);
  });

  it('serializes errors with redacted message, stack, fields and cause', () => {
    const cause = new Error('provider said 6282291921583 is invalid');
    const err = Object.assign(new Error('send to 6282291921583 failed', { cause }), { code: 'E_PROVIDER', body: 'Halo' });
    const out = redactDeep({ err }) as { err: Record<string, unknown> };
    expect(out.err).toMatchObject({
      type: 'Error',
      message: 'send to 62822****583 failed',
      code: 'E_PROVIDER',
      body: REDACTED,
      cause: { type: 'Error', message: 'provider said 62822****583 is invalid' },
    });
    expect(out.err.stack).toContain('send to 62822****583 failed');
    expect(JSON.stringify(out)).not.toContain('6282291921583');
  });

  it("hides a failed statement's bound values and Postgres' row detail, nested driver errors too", () => {
    const driverError = Object.assign(new Error('null value in column "phone"'), { code: '23502', detail: 'Failing row contains (Budi Santoso, Jl. Melati 5).', table: 'customers' });
    const err = Object.assign(new Error('null value in column "phone"'), {
      query: 'INSERT INTO customers (name, address) VALUES ($1, $2)', parameters: ['Budi Santoso', 'Jl. Melati 5'], driverError,
    });
    const out = redactDeep({ err }) as { err: Record<string, unknown> };
    expect(out.err).toMatchObject({ query: 'INSERT INTO customers (name, address) VALUES ($1, $2)', parameters: REDACTED, driverError: { code: '23502', detail: REDACTED, table: 'customers' } });
    expect(JSON.stringify(out)).not.toContain('Budi');
  });

  it('leaves digit ids under id keys alone (a provider message id is no phone), phones elsewhere masked', () => {
    const out = redactDeep({ inbound_message_id: '17966123825', provider_message_id: '6281234567890', messageId: '17966123825', sender: '6282291921583', note: 'id 17966123825' }) as Record<string, string>;
    expect(out).toEqual({ inbound_message_id: '17966123825', provider_message_id: '6281234567890', messageId: '17966123825', sender: '62822****583', note: 'id 1796****825' });
    // …but a sensitive query value under an id key is still redacted.
    expect((redactDeep({ request_id: 'https://x/y?secret=abc' }) as Record<string, string>).request_id).toBe('https://x/y?secret=[REDACTED]');
  });

  it('handles cycles and depth', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(redactDeep(a)).toEqual({ name: 'a', self: '[Circular]' });
    expect(redactDeep({ l1: { l2: { l3: {} } } }, { maxDepth: 2 })).toEqual({ l1: { l2: '[Object]' } });
  });
});

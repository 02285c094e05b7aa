import { smsSegments, startTwilioSim, twilioSignature, verifyTwilioSignature, type TwilioSimHandle } from '../src';
import { WebhookRecorder, postForm, postJson } from './webhook-recorder';

const SID = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'twilio-auth-token';
const basic = (user: string, pass: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });
const AUTH = basic(SID, TOKEN);
const RFC2822 = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/;

describe('Twilio simulator (providers.md §3)', () => {
  let sim: TwilioSimHandle;
  let recorder: WebhookRecorder;
  const messagesUrl = () => `${sim.url}/2010-04-01/Accounts/${SID}/Messages.json`;

  beforeEach(async () => {
    recorder = await new WebhookRecorder().start();
  });
  afterEach(async () => {
    await sim?.close();
    await recorder.close();
  });

  const start = async (extra: Parameters<typeof startTwilioSim>[0] = {}) => {
    sim = await startTwilioSim({ port: 0, accountSid: SID, authToken: TOKEN, receiptDelaysMs: false, ...extra });
    return sim;
  };

  it('creates a message: HTTP 201 with the Message resource JSON', async () => {
    await start();
    const res = await postForm(messagesUrl(), { To: '+6281234567890', From: '+15005550006', Body: 'Halo Budi' }, AUTH);
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    const [m] = sim.messages();
    expect(m!.id).toMatch(/^SM[0-9a-f]{32}$/);
    expect(body).toEqual({
      account_sid: SID,
      api_version: '2010-04-01',
      body: 'Halo Budi',
      date_created: expect.stringMatching(RFC2822),
      date_sent: null,
      date_updated: expect.stringMatching(RFC2822),
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: '+15005550006',
      messaging_service_sid: null,
      num_media: '0',
      num_segments: '1',
      price: null,
      price_unit: 'USD',
      sid: m!.id,
      status: 'queued',
      subresource_uris: {
        media: `/2010-04-01/Accounts/${SID}/Messages/${m!.id}/Media.json`,
        feedback: `/2010-04-01/Accounts/${SID}/Messages/${m!.id}/Feedback.json`,
      },
      to: '+6281234567890',
      uri: `/2010-04-01/Accounts/${SID}/Messages/${m!.id}.json`,
    });
    expect(m).toMatchObject({ provider: 'twilio', to: '+6281234567890', text: 'Halo Budi', channel: 'sms', twilioStatus: 'queued' });
  });

  it('answers status accepted, from null and num_segments "0" for a MessagingServiceSid send', async () => {
    await start();
    const res = await postForm(messagesUrl(), { To: '+6281234567890', MessagingServiceSid: 'MG0123456789abcdef0123456789abcdef', Body: 'x' }, AUTH);
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ status: 'accepted', from: null, num_segments: '0', messaging_service_sid: 'MG0123456789abcdef0123456789abcdef' });
  });

  it.each([
    ['a wrong auth token', basic(SID, 'wrong')],
    ['another account than the path', basic('AC99999999999999999999999999999999', TOKEN)],
    ['no Authorization', {} as Record<string, string>],
    ['a Bearer token', { Authorization: `Bearer ${TOKEN}` }],
  ])('answers 401 {code:20003, message:"Authenticate"} for %s', async (_label, headers) => {
    await start();
    const res = await postForm(messagesUrl(), { To: '+6281234567890', From: '+15005550006', Body: 'x' }, headers);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="Twilio API"');
    expect(await res.json()).toEqual({ code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
    expect(sim.messages()).toHaveLength(0);
  });

  it.each([
    ['To missing', { From: '+15005550006', Body: 'x' }, 21604, "A 'To' phone number is required."],
    ['From missing', { To: '+6281234567890', Body: 'x' }, 21603, "A 'From' phone number is required."],
    ['Body missing', { To: '+6281234567890', From: '+15005550006' }, 21602, 'Message body is required.'],
    ['To without +', { To: '081234567890', From: '+15005550006', Body: 'x' }, 21211, "The 'To' number 081234567890 is not a valid phone number."],
    ['Body over 1600 characters', { To: '+6281234567890', From: '+15005550006', Body: 'x'.repeat(1601) }, 21617, 'The concatenated message body exceeds the 1600 character limit.'],
    ['a bad StatusCallback', { To: '+6281234567890', From: '+15005550006', Body: 'x', StatusCallback: 'not a url' }, 21609, 'The StatusCallback URL not a url is not a valid URL.'],
  ])('answers 400 with the 2010 error JSON for %s', async (_label, fields, code, message) => {
    await start();
    const res = await postForm(messagesUrl(), fields as Record<string, string>, AUTH);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status: 400 });
  });

  it('rejects a From that is not one of the account numbers (21606) and a JSON body (no params → 21604)', async () => {
    await start({ fromNumbers: ['+15005550006'] });
    const from = await postForm(messagesUrl(), { To: '+6281234567890', From: '+15005550001', Body: 'x' }, AUTH);
    expect(((await from.json()) as { code: number }).code).toBe(21606);
    const json = await postJson(messagesUrl(), { To: '+6281234567890', From: '+15005550006', Body: 'x' }, AUTH);
    expect(json.status).toBe(400);
    expect(((await json.json()) as { code: number }).code).toBe(21604);
  });

  it('posts signed form-encoded status callbacks sent → delivered to StatusCallback (no read for SMS)', async () => {
    await start({ receiptDelaysMs: { sent: 5, delivered: 10, read: 15 } });
    const callback = `${recorder.url}/webhooks/twilio/status?d=abc`;
    await postForm(messagesUrl(), { To: '+6281234567890', From: '+15005550006', Body: 'x', StatusCallback: callback }, AUTH);
    const got = await recorder.waitFor(2);
    await sim.whenReceiptsIdle();
    expect(recorder.requests).toHaveLength(2);
    const [m] = sim.messages();
    expect(got.map((r) => r.body)).toEqual(
      ['sent', 'delivered'].map((s) => ({
        AccountSid: SID,
        ApiVersion: '2010-04-01',
        From: '+15005550006',
        MessageSid: m!.id,
        MessageStatus: s,
        SmsSid: m!.id,
        SmsStatus: s,
        To: '+6281234567890',
      })),
    );
    for (const r of got) {
      expect(r.path).toBe('/webhooks/twilio/status?d=abc');
      expect(r.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8');
      const params = Object.fromEntries(new URLSearchParams(r.rawBody));
      expect(verifyTwilioSignature(TOKEN, String(r.headers['x-twilio-signature']), callback, params)).toBe(true);
      expect(verifyTwilioSignature('other-token', String(r.headers['x-twilio-signature']), callback, params)).toBe(false);
    }
    const resource = (await (await fetch(`${sim.url}/2010-04-01/Accounts/${SID}/Messages/${m!.id}.json`, { headers: AUTH })).json()) as Record<string, unknown>;
    expect(resource['status']).toBe('delivered');
    expect(resource['date_sent']).toMatch(RFC2822);
  });

  it('adds read for whatsapp: recipients', async () => {
    await start({ receiptDelaysMs: { sent: 0, delivered: 0, read: 0 } });
    await postForm(messagesUrl(), { To: 'whatsapp:+6281234567890', From: 'whatsapp:+15005550006', Body: 'x', StatusCallback: `${recorder.url}/cb` }, AUTH);
    const got = await recorder.waitFor(3);
    expect(got.map((r) => r.body['MessageStatus'])).toEqual(['sent', 'delivered', 'read']);
  });

  it('sends no callbacks without StatusCallback, but the Messaging Service callback for MessagingServiceSid sends', async () => {
    await start({ webhookUrl: `${recorder.url}/service-cb`, receiptDelaysMs: { sent: 0, delivered: 0, read: 0 } });
    await postForm(messagesUrl(), { To: '+6281234567890', From: '+15005550006', Body: 'x' }, AUTH);
    await sim.whenReceiptsIdle();
    expect(recorder.requests).toHaveLength(0);
    expect(sim.messages()[0]!.status).toBe('delivered');
    await postForm(messagesUrl(), { To: '+6281234567890', MessagingServiceSid: 'MG1', Body: 'x' }, AUTH);
    const got = await recorder.waitFor(2);
    expect(got.map((r) => [r.path, r.body['MessagingServiceSid'], r.body['MessageStatus']])).toEqual([
      ['/service-cb', 'MG1', 'sent'],
      ['/service-cb', 'MG1', 'delivered'],
    ]);
  });

  it('sends an undelivered callback with ErrorCode on demand, and reports it on GET', async () => {
    await start();
    const callback = `${recorder.url}/cb`;
    await postForm(messagesUrl(), { To: '+6281234567890', From: '+15005550006', Body: 'x', StatusCallback: callback }, AUTH);
    const [m] = sim.messages();
    await sim.sendReceipt(m!.id, 'failed', { errorCode: 30005 });
    const [r] = await recorder.waitFor(1);
    expect(r!.body).toMatchObject({ MessageStatus: 'undelivered', SmsStatus: 'undelivered', ErrorCode: '30005' });
    const resource = (await (await fetch(`${sim.url}/2010-04-01/Accounts/${SID}/Messages/${m!.id}.json`, { headers: AUTH })).json()) as Record<string, unknown>;
    expect(resource).toMatchObject({ status: 'undelivered', error_code: 30005 });
    const missing = await fetch(`${sim.url}/2010-04-01/Accounts/${SID}/Messages/SM0000.json`, { headers: AUTH });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: number }).code).toBe(20404);
  });

  it('without configured credentials accepts any AC… account and signs callbacks with the token it was given', async () => {
    sim = await startTwilioSim({ port: 0, receiptDelaysMs: { sent: 0, delivered: null, read: null } });
    const callback = `${recorder.url}/cb`;
    const res = await postForm(`${sim.url}/2010-04-01/Accounts/ACabc/Messages.json`, { To: '+6281234567890', From: '+15005550006', Body: 'x', StatusCallback: callback }, basic('ACabc', 'tok-1'));
    expect(res.status).toBe(201);
    const [r] = await recorder.waitFor(1);
    expect(r!.headers['x-twilio-signature']).toBe(twilioSignature('tok-1', callback, Object.fromEntries(new URLSearchParams(r!.rawBody))));
  });

  it('counts SMS segments like Twilio (GSM-7 160/153, UCS-2 70/67)', () => {
    expect(smsSegments('a'.repeat(160))).toBe(1);
    expect(smsSegments('a'.repeat(161))).toBe(2);
    expect(smsSegments('€'.repeat(80))).toBe(1);
    expect(smsSegments('€'.repeat(81))).toBe(2);
    expect(smsSegments('✓'.repeat(70))).toBe(1);
    expect(smsSegments('✓'.repeat(71))).toBe(2);
  });
});

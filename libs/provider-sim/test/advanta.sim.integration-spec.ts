import { startAdvantaSim, type AdvantaSimHandle } from '../src';
import { WebhookRecorder, postForm, postJson } from './webhook-recorder';

const CREDS = { apikey: 'adv-key', partnerID: '1234', shortcode: 'NOTIFY' };
const EAT_TS = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

describe('Advanta simulator (providers.md §4)', () => {
  let sim: AdvantaSimHandle;
  let recorder: WebhookRecorder;
  const sendUrl = () => `${sim.url}/api/services/sendsms/`;

  beforeEach(async () => {
    recorder = await new WebhookRecorder().start();
  });
  afterEach(async () => {
    await sim?.close();
    await recorder.close();
  });

  const start = async (extra: Parameters<typeof startAdvantaSim>[0] = {}) => {
    sim = await startAdvantaSim({ port: 0, apiKey: 'adv-key', partnerId: '1234', shortcodes: ['NOTIFY'], receiptDelaysMs: false, ...extra });
    return sim;
  };

  it('accepts a JSON send and answers responses[] with both response-code spellings', async () => {
    await start();
    const res = await postJson(sendUrl(), { ...CREDS, message: 'Halo', mobile: '254712345678' });
    expect(res.status).toBe(200);
    const [m] = sim.messages();
    expect(await res.json()).toEqual({
      responses: [
        { 'response-code': 200, 'respose-code': 200, 'response-description': 'Success', mobile: 254712345678, messageid: Number(m!.id), networkid: '1' },
      ],
    });
    expect(m).toMatchObject({ provider: 'advanta', to: '254712345678', text: 'Halo', shortcode: 'NOTIFY', partnerId: '1234' });
  });

  it('writes only the misspelt key with responseCodeKey typo, only the right one with correct', async () => {
    await start({ responseCodeKey: 'typo' });
    const typo = (await (await postJson(sendUrl(), { ...CREDS, message: 'x', mobile: '254712345678' })).json()) as { responses: Array<Record<string, unknown>> };
    expect(typo.responses[0]).toHaveProperty('respose-code', 200);
    expect(typo.responses[0]).not.toHaveProperty('response-code');
    await sim.close();
    await start({ responseCodeKey: 'correct' });
    const correct = (await (await postJson(sendUrl(), { ...CREDS, message: 'x', mobile: '254712345678' })).json()) as { responses: Array<Record<string, unknown>> };
    expect(correct.responses[0]).toHaveProperty('response-code', 200);
    expect(correct.responses[0]).not.toHaveProperty('respose-code');
  });

  it('accepts urlencoded POST, GET without the trailing slash, numeric partnerID, 07… and +62… numbers', async () => {
    await start();
    await postForm(sendUrl(), { ...CREDS, message: 'a', mobile: '0712345678' });
    await fetch(`${sim.url}/api/services/sendsms?${new URLSearchParams({ ...CREDS, message: 'b', mobile: '+6281234567890' })}`);
    await postJson(sendUrl(), { ...CREDS, partnerID: 1234, message: 'c', mobile: '6281234567891' });
    expect(sim.messages().map((m) => m.to)).toEqual(['254712345678', '6281234567890', '6281234567891']);
  });

  it.each([
    ['wrong credentials', { ...CREDS, apikey: 'nope' }, 1006, 'Invalid credentials'],
    ['no partnerID', { apikey: 'adv-key', shortcode: 'NOTIFY' }, 4091, 'No Partner ID is Set'],
    ['no apikey', { partnerID: '1234', shortcode: 'NOTIFY' }, 4092, 'No API KEY Provided'],
    ['an unassigned sender id', { ...CREDS, shortcode: 'notify' }, 1001, 'Invalid sender id'],
    ['no mobile', { ...CREDS, mobile: '' }, 1003, 'Invalid mobile number'],
    ['an empty message', { ...CREDS, message: '', mobile: '254712345678' }, 1010, 'Unsupported request type'],
  ])('answers HTTP 200 with a top-level error object for %s', async (_label, fields, code, description) => {
    await start();
    const res = await postJson(sendUrl(), { message: 'x', mobile: '254712345678', ...fields });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ 'response-code': code, 'respose-code': code, 'response-description': description });
    expect(sim.messages()).toHaveLength(0);
  });

  it('reports an invalid number inside responses[] while sending to the valid one', async () => {
    await start();
    const res = (await (await postJson(sendUrl(), { ...CREDS, message: 'x', mobile: '254712345678,abc' })).json()) as { responses: Array<Record<string, unknown>> };
    expect(res.responses.map((r) => [r['response-code'], r['mobile']])).toEqual([
      [200, 254712345678],
      [1003, 'abc'],
    ]);
    expect(sim.messages()).toHaveLength(1);
  });

  it('answers 1004 Low bulk credits when credits run out and 1104 over 1000 numbers', async () => {
    await start({ credits: 1 });
    expect(await (await postJson(sendUrl(), { ...CREDS, message: 'x', mobile: '254712345678,254712345679' })).json()).toMatchObject({ 'response-code': 1004 });
    const many = Array.from({ length: 1001 }, (_, i) => `2547${String(i).padStart(8, '0')}`).join(',');
    expect(await (await postJson(sendUrl(), { ...CREDS, message: 'x', mobile: many })).json()).toMatchObject({ 'response-code': 1104 });
  });

  it('pushes DLRs SentToNetwork → DeliveredToTerminal with ?secret= and answers getdlr', async () => {
    await start({ webhookUrl: `${recorder.url}/webhooks/advanta/dlr`, webhookSecret: 'a', receiptDelaysMs: { sent: 5, delivered: 10, read: 15 } });
    const before = await postJson(`${sim.url}/api/services/getdlr/`, { apikey: 'adv-key', partnerID: '1234', messageID: '1' });
    expect(await before.json()).toEqual({ 'response-code': 1009, 'respose-code': 1009, 'response-description': 'No dlr' });

    await postJson(sendUrl(), { ...CREDS, message: 'x', mobile: '254712345678' });
    const got = await recorder.waitFor(2);
    await sim.whenReceiptsIdle();
    expect(recorder.requests).toHaveLength(2);
    const [m] = sim.messages();
    expect(got.map((r) => r.path)).toEqual(['/webhooks/advanta/dlr?secret=a', '/webhooks/advanta/dlr?secret=a']);
    expect(got.map((r) => r.body)).toEqual(
      ['SentToNetwork', 'DeliveredToTerminal'].map((description) => ({
        description,
        messageid: m!.id,
        timeTaken: expect.stringMatching(/^\d+s$/),
        timestamp: expect.stringMatching(EAT_TS),
      })),
    );
    const dlr = await postJson(`${sim.url}/api/services/getdlr/`, { apikey: 'adv-key', partnerID: '1234', messageID: m!.id });
    expect(await dlr.json()).toEqual({
      'response-code': 200,
      'respose-code': 200,
      'message-id': m!.id,
      'response-description': 'Success',
      'delivery-status': 32,
      'delivery-description': 'DeliveredToTerminal',
      'delivery-tat': '00:00:00',
      'delivery-networkid': 1,
      'delivery-time': expect.stringMatching(EAT_TS),
    });
  });

  it('refuses a read receipt (SMS has none) with 409', async () => {
    await start({ webhookUrl: `${recorder.url}/dlr` });
    await postJson(sendUrl(), { ...CREDS, message: 'x', mobile: '254712345678' });
    const [m] = sim.messages();
    expect((await postJson(`${sim.url}/__sim/receipt`, { id: m!.id, status: 'read' })).status).toBe(409);
    expect((await postJson(`${sim.url}/__sim/receipt`, { id: m!.id, status: 'failed' })).status).toBe(200);
    const [r] = await recorder.waitFor(1);
    expect(r!.body['description']).toBe('DeliveryImpossible');
  });
});

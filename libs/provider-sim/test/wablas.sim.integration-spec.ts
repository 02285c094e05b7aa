import { startWablasSim, type WablasSimHandle } from '../src';
import { WebhookRecorder, postForm, postJson } from './webhook-recorder';

const TOKEN = 'wbToken123';
const SECRET = 'sEcReT';
const AUTH = { Authorization: `${TOKEN}.${SECRET}` };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('Wablas simulator (providers.md §2)', () => {
  let sim: WablasSimHandle;
  let recorder: WebhookRecorder;

  beforeEach(async () => {
    recorder = await new WebhookRecorder().start();
  });
  afterEach(async () => {
    await sim?.close();
    await recorder.close();
  });

  const start = async (extra: Parameters<typeof startWablasSim>[0] = {}) => {
    sim = await startWablasSim({ port: 0, token: TOKEN, secretKey: SECRET, deviceId: 'OMM1F9', receiptDelaysMs: false, ...extra });
    return sim;
  };

  it('accepts a v1 urlencoded send with token.secret and answers the documented envelope', async () => {
    await start();
    const res = await postForm(`${sim.url}/api/send-message`, { phone: '6281335614467', message: 'Halo', ref_id: 'd-1' }, AUTH);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { messages: Array<{ id: string }> } };
    const [m] = sim.messages();
    expect(body).toEqual({
      status: true,
      message: 'Message is pending and waiting to be processed',
      data: {
        device_id: 'OMM1F9',
        quota: 999999,
        messages: [{ id: m!.id, phone: '6281335614467', message: 'Halo', status: 'pending', ref_id: 'd-1' }],
      },
    });
    expect(m!.id).toMatch(UUID);
    expect(m).toMatchObject({ provider: 'wablas', to: '6281335614467', text: 'Halo', isGroup: false, refId: 'd-1', api: 'v1' });
  });

  it('accepts JSON, GET ?token=token.secret, a leading 0 (→ 62) and a group with isGroup=true', async () => {
    await start();
    expect(((await (await postJson(`${sim.url}/api/send-message`, { phone: '081335614467', message: 'a' }, AUTH)).json()) as { status: boolean }).status).toBe(true);
    const q = new URLSearchParams({ phone: '6281335614468', message: 'b', token: `${TOKEN}.${SECRET}` });
    expect(((await (await fetch(`${sim.url}/api/send-message?${q}`)).json()) as { status: boolean }).status).toBe(true);
    const group = (await (await postForm(`${sim.url}/api/send-message`, { phone: '120363025343298765@g.us', message: 'c', isGroup: 'true' }, AUTH)).json()) as {
      status: boolean;
    };
    expect(group.status).toBe(true);
    expect(sim.messages().map((m) => [m.to, m.isGroup])).toEqual([
      ['6281335614467', false],
      ['6281335614468', false],
      ['120363025343298765@g.us', true],
    ]);
  });

  it('rejects a group id sent without isGroup=true as an invalid number', async () => {
    await start();
    const res = await postForm(`${sim.url}/api/send-message`, { phone: '120363025343298765@g.us', message: 'c' }, AUTH);
    expect(await res.json()).toEqual({ status: false, message: 'invalid phone number' });
  });

  it('accepts a v2 batch {"data":[…]} and answers one messages[] entry per item', async () => {
    await start();
    const res = await postJson(
      `${sim.url}/api/v2/send-message`,
      { data: [{ phone: '6281218000001', message: 'one' }, { phone: '120363000000000002@g.us', message: 'two', isGroup: 'true' }] },
      AUTH,
    );
    const body = (await res.json()) as { status: boolean; data: { quota: number; messages: Array<{ id: string; phone: string }> } };
    expect(body.status).toBe(true);
    expect(body.data.quota).toBe(999998);
    expect(body.data.messages.map((x) => x.phone)).toEqual(['6281218000001', '120363000000000002@g.us']);
    expect(sim.messages().map((m) => [m.id, m.api])).toEqual(body.data.messages.map((x) => [x.id, 'v2']));
  });

  it.each([
    ['a wrong token', { Authorization: `other.${SECRET}` }, 'token invalid'],
    ['no Authorization', {} as Record<string, string>, 'token invalid'],
    ['the token without the secret key', { Authorization: TOKEN }, 'secret key invalid'],
    ['a wrong secret key', { Authorization: `${TOKEN}.nope` }, 'secret key invalid'],
  ])('answers HTTP 200 status:false for %s', async (_label, headers, message) => {
    await start();
    const res = await postForm(`${sim.url}/api/send-message`, { phone: '6281335614467', message: 'x' }, headers);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: false, message });
    expect(sim.messages()).toHaveLength(0);
  });

  it('accepts the token alone when no secret key is configured', async () => {
    sim = await startWablasSim({ port: 0, token: TOKEN, receiptDelaysMs: false });
    const res = await postForm(`${sim.url}/api/send-message`, { phone: '6281335614467', message: 'x' }, { Authorization: TOKEN });
    expect(((await res.json()) as { status: boolean }).status).toBe(true);
  });

  it.each([
    ['missing phone', { message: 'x' }, 'phone number is required'],
    ['missing message', { phone: '6281335614467' }, 'message is required'],
    ['a phone that is not a number', { phone: 'budi', message: 'x' }, 'invalid phone number'],
  ])('rejects %s', async (_label, fields, message) => {
    await start();
    const res = await postForm(`${sim.url}/api/send-message`, fields as Record<string, string>, AUTH);
    expect(await res.json()).toEqual({ status: false, message });
  });

  it('answers failures with HTTP 500 when failureHttpStatus is 500', async () => {
    await start({ failureHttpStatus: 500 });
    const res = await postForm(`${sim.url}/api/send-message`, { phone: '6281335614467', message: 'x' }, { Authorization: 'bad' });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ status: false, message: 'token invalid' });
  });

  it('posts tracking webhooks sent → delivered → read as {id, phone, status, note, deviceId}', async () => {
    await start({ webhookUrl: `${recorder.url}/webhooks/wablas/status`, webhookSecret: 'w', receiptDelaysMs: { sent: 5, delivered: 10, read: 15 } });
    await postForm(`${sim.url}/api/send-message`, { phone: '6281335614467', message: 'x' }, AUTH);
    const got = await recorder.waitFor(3);
    const [m] = sim.messages();
    expect(got.map((r) => r.path)).toEqual(Array(3).fill('/webhooks/wablas/status?secret=w'));
    expect(got.map((r) => r.body)).toEqual(
      ['sent', 'delivered', 'read'].map((status) => ({ id: m!.id, phone: '6281335614467', status, note: '', deviceId: 'OMM1F9' })),
    );
  });

  it('uses the white-label vocabulary and form encoding when asked', async () => {
    await start({ webhookUrl: `${recorder.url}/t`, statusVocabulary: 'whitelabel', trackingEncoding: 'form', receiptDelaysMs: { sent: 0, delivered: 0, read: null } });
    await postForm(`${sim.url}/api/send-message`, { phone: '6281335614467', message: 'x' }, AUTH);
    const got = await recorder.waitFor(2);
    expect(got.map((r) => [r.headers['content-type'], r.body['status']])).toEqual([
      ['application/x-www-form-urlencoded; charset=utf-8', 'sent'],
      ['application/x-www-form-urlencoded; charset=utf-8', 'received'],
    ]);
  });

  it('simulates an inbound message in the Wablas inbound format', async () => {
    await start({ inboundUrl: `${recorder.url}/webhooks/wablas/inbound`, webhookSecret: 'w' });
    const res = await postJson(`${sim.url}/__sim/inbound`, { from: '6282291921583', text: '1', name: 'Andi' });
    expect(res.status).toBe(200);
    const [r] = await recorder.waitFor(1);
    expect(r!.path).toBe('/webhooks/wablas/inbound?secret=w');
    expect(r!.body).toMatchObject({ phone: '6282291921583', message: '1', pushName: 'Andi', isGroup: false, deviceId: 'OMM1F9', messageType: 'text' });
  });

  it('answers 409 on /__sim/inbound when no inbound URL is configured', async () => {
    await start();
    expect((await postJson(`${sim.url}/__sim/inbound`, { from: '6282291921583', text: '1' })).status).toBe(409);
  });
});

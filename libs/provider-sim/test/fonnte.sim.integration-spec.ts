import { startFonnteSim, type FonnteSimHandle } from '../src';
import { WebhookRecorder, postForm, postJson } from './webhook-recorder';

const TOKEN = 'dev-token-abc';
const DEVICE = '6285198401345';

describe('Fonnte simulator (providers.md §1)', () => {
  let sim: FonnteSimHandle;
  let recorder: WebhookRecorder;

  beforeEach(async () => {
    recorder = await new WebhookRecorder().start();
  });
  afterEach(async () => {
    await sim?.close();
    await recorder.close();
  });

  const start = async (extra: Parameters<typeof startFonnteSim>[0] = {}) => {
    sim = await startFonnteSim({ port: 0, token: TOKEN, device: DEVICE, receiptDelaysMs: false, ...extra });
    return sim;
  };

  it('accepts a urlencoded send with countryCode=0 and answers the documented success body', async () => {
    await start();
    const res = await postForm(`${sim.url}/send`, { target: '6282227097005', message: 'Halo Budi', countryCode: '0' }, { Authorization: TOKEN });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    const [m] = sim.messages();
    expect(Object.keys(body)).toEqual(['detail', 'id', 'process', 'quota', 'requestid', 'status', 'target']);
    expect(body).toEqual({
      detail: 'success! message in queue',
      id: [Number(m!.id)],
      process: 'pending',
      quota: { [DEVICE]: { details: 'deduced from total quota', quota: 1000000, remaining: 999999, used: 1 } },
      requestid: m!.requestId,
      status: true,
      target: ['6282227097005'],
    });
    expect(m).toMatchObject({ provider: 'fonnte', to: '6282227097005', text: 'Halo Budi', targetType: 'phone', countryCode: '0', status: 'accepted' });
    expect(Number.isNaN(Date.parse(m!.at))).toBe(false);

    const listed = (await (await fetch(`${sim.url}/__sim/messages`)).json()) as unknown[];
    expect(listed).toEqual(sim.messages());
  });

  it('applies countryCode: default 62 replaces a leading 0, 0 keeps the number as given', async () => {
    await start();
    await postForm(`${sim.url}/send`, { target: '082227097005', message: 'a' }, { Authorization: TOKEN });
    await postForm(`${sim.url}/send`, { target: '082227097005', message: 'b', countryCode: '0' }, { Authorization: TOKEN });
    await postForm(`${sim.url}/send`, { target: '+6282227097005', message: 'c', countryCode: '0' }, { Authorization: TOKEN });
    expect(sim.messages().map((m) => m.to)).toEqual(['6282227097005', '082227097005', '6282227097005']);
  });

  it('accepts group ids mixed with numbers (multipart) and fills {name}/{var1} per recipient', async () => {
    await start();
    const form = new FormData();
    form.set('target', '120363025343298765@g.us,081511385636|Budi|Teknisi');
    form.set('message', 'Halo {name} ({var1})');
    const res = await fetch(`${sim.url}/send`, { method: 'POST', headers: { Authorization: TOKEN }, body: form });
    const body = (await res.json()) as { status: boolean; target: string[]; id: number[] };
    expect(body.status).toBe(true);
    expect(body.target).toEqual(['120363025343298765@g.us', '6281511385636']);
    expect(body.id).toHaveLength(2);
    expect(sim.messages().map((m) => [m.targetType, m.to, m.text])).toEqual([
      ['group', '120363025343298765@g.us', 'Halo {name} ({var1})'],
      ['phone', '6281511385636', 'Halo Budi (Teknisi)'],
    ]);
  });

  it('accepts JSON bodies and GET /send?token=…; idType string gives string ids', async () => {
    await start({ idType: 'string' });
    const json = (await (await postJson(`${sim.url}/send`, { target: '6281234567890', message: 'x', countryCode: '0' }, { Authorization: TOKEN })).json()) as {
      id: unknown[];
    };
    expect(typeof json.id[0]).toBe('string');
    const q = new URLSearchParams({ token: TOKEN, target: '6281234567891', message: 'y' });
    const viaGet = (await (await fetch(`${sim.url}/send?${q}`)).json()) as { status: boolean };
    expect(viaGet.status).toBe(true);
    expect(sim.messages().map((m) => m.to)).toEqual(['6281234567890', '6281234567891']);
  });

  it.each([
    ['a wrong token', { Authorization: 'nope' }],
    ['a Bearer-prefixed token', { Authorization: `Bearer ${TOKEN}` }],
    ['no Authorization header', {} as Record<string, string>],
  ])('answers HTTP 200 {reason:"invalid token", status:false} for %s and records nothing', async (_label, headers) => {
    await start();
    const res = await postForm(`${sim.url}/send`, { target: '6281234567890', message: 'x' }, headers);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ reason: 'invalid token', requestid: expect.any(Number), status: false });
    expect(sim.messages()).toEqual([]);
    expect(sim.stats()).toMatchObject({ requests: 1, accepted: 0, rejected: 1 });
  });

  it('answers the docs spelling {"Status":false,"reason":"token invalid"} with tokenErrorStyle docs', async () => {
    await start({ tokenErrorStyle: 'docs' });
    const res = await postForm(`${sim.url}/send`, { target: '6281234567890', message: 'x' }, { Authorization: 'wrong' });
    expect(await res.json()).toEqual({ Status: false, reason: 'token invalid' });
  });

  it('accepts any non-empty token when none is configured', async () => {
    sim = await startFonnteSim({ port: 0, receiptDelaysMs: false });
    const ok = (await (await postForm(`${sim.url}/send`, { target: '6281234567890', message: 'x' }, { Authorization: 'whatever' })).json()) as { status: boolean };
    expect(ok.status).toBe(true);
    const empty = (await (await postForm(`${sim.url}/send`, { target: '6281234567890', message: 'x' })).json()) as { status: boolean };
    expect(empty.status).toBe(false);
  });

  it.each([
    ['missing target', { message: 'x' }, 'target invalid'],
    ['a target that is not a number', { target: 'budi', message: 'x' }, 'target invalid'],
    ['an empty message', { target: '6281234567890', message: ' ' }, 'input invalid'],
    ['no message field', { target: '6281234567890' }, 'input invalid'],
  ])('rejects %s with HTTP 200 status:false', async (_label, fields, reason) => {
    await start();
    const res = await postForm(`${sim.url}/send`, fields as Record<string, string>, { Authorization: TOKEN });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ reason, requestid: expect.any(Number), status: false });
    expect(sim.messages()).toHaveLength(0);
  });

  it('answers insufficient quota when the package runs out', async () => {
    await start({ quota: 1 });
    const res = await postForm(`${sim.url}/send`, { target: '6281234567890,6281234567891', message: 'x' }, { Authorization: TOKEN });
    expect(await res.json()).toMatchObject({ reason: 'insufficient quota', status: false });
  });

  it('serves /device and /get-whatsapp-group', async () => {
    await start({ groups: [{ id: '120363000000000001@g.us', name: 'Teknisi Zona A' }] });
    const device = (await (await fetch(`${sim.url}/device`, { method: 'POST', headers: { Authorization: TOKEN } })).json()) as Record<string, unknown>;
    expect(device).toMatchObject({ device: DEVICE, device_status: 'connect', status: true, quota: '1000000' });
    await sim.setFault({ mode: 'status_false', reason: 'request invalid on disconnected device' });
    const disconnected = (await (await fetch(`${sim.url}/device`, { method: 'POST', headers: { Authorization: TOKEN } })).json()) as Record<string, unknown>;
    expect(disconnected['device_status']).toBe('disconnect');
    const bad = await (await fetch(`${sim.url}/device`, { method: 'POST', headers: { Authorization: 'x' } })).json();
    expect(bad).toEqual({ reason: 'token invalid', status: false });
    const groups = await (await fetch(`${sim.url}/get-whatsapp-group`, { method: 'POST', headers: { Authorization: TOKEN } })).json();
    expect(groups).toEqual({ status: true, data: [{ id: '120363000000000001@g.us', name: 'Teknisi Zona A' }] });
  });

  it('posts status webhooks sent → delivered → read with ?secret= in the Fonnte format', async () => {
    await start({ webhookUrl: `${recorder.url}/webhooks/fonnte/status`, webhookSecret: 's3cret', receiptDelaysMs: { sent: 5, delivered: 10, read: 15 } });
    const res = (await (await postForm(`${sim.url}/send`, { target: '6281234567890', message: 'x', countryCode: '0' }, { Authorization: TOKEN })).json()) as {
      id: number[];
    };
    const got = await recorder.waitFor(3);
    await sim.whenReceiptsIdle();
    const [m] = sim.messages();
    expect(got.map((r) => [r.method, r.path, r.headers['content-type']])).toEqual(
      Array(3).fill(['POST', '/webhooks/fonnte/status?secret=s3cret', 'application/json']),
    );
    expect(got.map((r) => r.body)).toEqual([
      { device: DEVICE, id: res.id[0], stateid: m!.stateId, status: 'sent', state: 'sent', timestamp: expect.any(Number) },
      { device: DEVICE, stateid: m!.stateId, state: 'delivered', timestamp: expect.any(Number) },
      { device: DEVICE, stateid: m!.stateId, state: 'read', timestamp: expect.any(Number) },
    ]);
    expect(m!.status).toBe('read');
    expect(sim.webhooks().map((w) => [w.stage, w.httpStatus])).toEqual([
      ['sent', 200],
      ['delivered', 200],
      ['read', 200],
    ]);
  });

  it('sends a failed receipt on demand through the control API, keyed by id and stateid', async () => {
    await start({ webhookUrl: `${recorder.url}/s`, receiptDelaysMs: false });
    await postForm(`${sim.url}/send`, { target: '6281234567890', message: 'x' }, { Authorization: TOKEN });
    const [m] = sim.messages();
    const res = await postJson(`${sim.url}/__sim/receipt`, { id: m!.id, status: 'failed' });
    expect(res.status).toBe(200);
    const [r] = await recorder.waitFor(1);
    expect(r!.body).toEqual({ device: DEVICE, id: Number(m!.id), stateid: m!.stateId, status: 'invalid', state: 'failed', timestamp: expect.any(Number) });
    expect((await postJson(`${sim.url}/__sim/receipt`, { id: '1', status: 'sent' })).status).toBe(404);
  });

  it('survives a webhook receiver that is down: the post is recorded as failed, sending still works', async () => {
    const dead = await new WebhookRecorder().start();
    const deadUrl = dead.url;
    await dead.close();
    await start({ webhookUrl: `${deadUrl}/hook`, receiptDelaysMs: { sent: 0, delivered: 0, read: 0 } });
    await postForm(`${sim.url}/send`, { target: '6281234567890', message: 'x' }, { Authorization: TOKEN });
    await sim.whenReceiptsIdle();
    expect(sim.webhooks().map((w) => w.error)).toEqual(['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED']);
    const again = (await (await postForm(`${sim.url}/send`, { target: '6281234567890', message: 'y' }, { Authorization: TOKEN })).json()) as { status: boolean };
    expect(again.status).toBe(true);
  });

  it('simulates an inbound chat (a technician replying 1) in the Fonnte inbound format', async () => {
    await start({ inboundUrl: `${recorder.url}/webhooks/fonnte/inbound`, webhookSecret: 's3cret' });
    const res = await postJson(`${sim.url}/__sim/inbound`, { from: '6282291921583', text: '1', name: 'Andi' });
    expect(res.status).toBe(200);
    await postJson(`${sim.url}/__sim/inbound`, { from: '6282291921583', text: '1', group: '120363000000000001@g.us' });
    const [direct, inGroup] = await recorder.waitFor(2);
    expect(direct!.path).toBe('/webhooks/fonnte/inbound?secret=s3cret');
    expect(direct!.body).toMatchObject({ device: DEVICE, sender: '6282291921583', name: 'Andi', message: '1', isgroup: false, member: '' });
    expect(typeof direct!.body['inboxid']).toBe('number');
    expect(inGroup!.body).toMatchObject({ sender: '120363000000000001@g.us', member: '6282291921583', message: '1', isgroup: true });
    expect(inGroup!.body['inboxid']).toBe((direct!.body['inboxid'] as number) + 1);
  });

  it('numbers inbound messages uniquely across restarts (the gateway remembers the ids it acted on)', async () => {
    const ids: number[] = [];
    for (let run = 0; run < 2; run++) {
      await start({ inboundUrl: `${recorder.url}/webhooks/fonnte/inbound`, webhookSecret: 's3cret' });
      await postJson(`${sim.url}/__sim/inbound`, { from: '6282291921583', text: '1' });
      const got = await recorder.waitFor(run + 1);
      ids.push(got[run]!.body['inboxid'] as number);
      await sim.close();
    }
    expect(ids[1]).not.toBe(ids[0]);
  });

  describe('POST /status, the message-status look-up (§1.6, deprecated but answered)', () => {
    const lookUp = async (id: string | number | undefined, headers: Record<string, string> = { Authorization: TOKEN }): Promise<unknown> =>
      (await postForm(`${sim.url}/status`, id === undefined ? {} : { id: String(id) }, headers)).json();
    const sendOne = async (fields: Record<string, string> = {}): Promise<number | string> => {
      const body = (await (await postForm(`${sim.url}/send`, { target: '6281234567890', message: 'x', ...fields }, { Authorization: TOKEN })).json()) as {
        id: Array<number | string>;
      };
      return body.id[0]!;
    };
    const deadUrl = async (): Promise<string> => {
      const dead = await new WebhookRecorder().start();
      const url = dead.url;
      await dead.close();
      return `${url}/hook`;
    };

    it.each([
      ['a wrong token', { Authorization: 'nope' }],
      ['a Bearer-prefixed token', { Authorization: `Bearer ${TOKEN}` }],
      ['no Authorization header', {} as Record<string, string>],
    ])('checks the token as /send does: %s → {reason:"token invalid", status:false}', async (_label, headers) => {
      await start();
      const id = await sendOne();
      const res = await postForm(`${sim.url}/status`, { id: String(id) }, headers);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ reason: 'token invalid', status: false });
    });

    it('answers "id required" without an id and "message not found" for an unknown one', async () => {
      await start();
      await sendOne();
      expect(await lookUp(undefined)).toEqual({ reason: 'id required', status: false });
      expect(await lookUp('  ')).toEqual({ reason: 'id required', status: false });
      expect(await (await postJson(`${sim.url}/status`, {}, { Authorization: TOKEN })).json()).toEqual({ reason: 'id required', status: false });
      expect(await lookUp(1)).toEqual({ reason: 'message not found', status: false });
      expect(await lookUp('budi')).toEqual({ reason: 'message not found', status: false });
    });

    it('follows a message accepted → sent → delivered → read: Processing, then Sent (the id as the send answer gave it)', async () => {
      await start({ webhookUrl: `${recorder.url}/webhooks/fonnte/status` });
      const id = await sendOne();
      expect(typeof id).toBe('number');
      const res = await postForm(`${sim.url}/status`, { id: String(id) }, { Authorization: TOKEN });
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(Object.keys(body as object)).toEqual(['id', 'message_status', 'status']);
      expect(body).toEqual({ id, message_status: 'Processing', status: true });
      for (const stage of ['sent', 'delivered', 'read']) {
        expect((await postJson(`${sim.url}/__sim/receipt`, { id, status: stage })).status).toBe(200);
        expect(await lookUp(id)).toEqual({ id, message_status: 'Sent', status: true });
      }
      // JSON (number id) and multipart bodies are read like /send's.
      expect(await (await postJson(`${sim.url}/status`, { id }, { Authorization: TOKEN })).json()).toEqual({ id, message_status: 'Sent', status: true });
      const form = new FormData();
      form.set('id', String(id));
      expect(await (await fetch(`${sim.url}/status`, { method: 'POST', headers: { Authorization: TOKEN }, body: form })).json()).toEqual({
        id,
        message_status: 'Sent',
        status: true,
      });
      expect(await recorder.waitFor(3)).toHaveLength(3);
    });

    it('answers Invalid after a failed receipt; a provider_status override shows instead; lower-case on request', async () => {
      await start({ webhookUrl: `${recorder.url}/s`, statusLookupCase: 'lower' });
      const failed = await sendOne();
      const expired = await sendOne();
      await postJson(`${sim.url}/__sim/receipt`, { id: failed, status: 'failed' });
      await postJson(`${sim.url}/__sim/receipt`, { id: expired, status: 'failed', provider_status: 'expired' });
      expect(await lookUp(failed)).toEqual({ id: failed, message_status: 'invalid', status: true });
      expect(await lookUp(expired)).toEqual({ id: expired, message_status: 'expired', status: true });
      await sim.close();

      await start({ webhookUrl: `${recorder.url}/s` });
      const id = await sendOne();
      await postJson(`${sim.url}/__sim/receipt`, { id, status: 'failed' });
      expect(await lookUp(id)).toEqual({ id, message_status: 'Invalid', status: true });
    });

    it('answers Waiting for a message scheduled for later, and string ids with idType string', async () => {
      await start({ idType: 'string' });
      const id = await sendOne({ schedule: String(Math.floor(Date.now() / 1000) + 3600) });
      expect(typeof id).toBe('string');
      expect(await lookUp(id)).toEqual({ id, message_status: 'Waiting', status: true });
    });

    it('tells the truth when the status webhook could not be delivered (receiver refuses connections)', async () => {
      await start({ webhookUrl: await deadUrl(), receiptDelaysMs: { sent: 0, delivered: 0, read: 0 } });
      const id = await sendOne();
      await sim.whenReceiptsIdle();
      expect(sim.webhooks().map((w) => [w.stage, w.error])).toEqual([
        ['sent', 'ECONNREFUSED'],
        ['delivered', 'ECONNREFUSED'],
        ['read', 'ECONNREFUSED'],
      ]);
      expect(sim.messages()[0]!.status).toBe('read');
      expect(await lookUp(id)).toEqual({ id, message_status: 'Sent', status: true });
    });

    it('tells the truth after a manual failed receipt whose webhook post was refused', async () => {
      await start({ webhookUrl: await deadUrl() });
      const id = await sendOne();
      const receipt = (await (await postJson(`${sim.url}/__sim/receipt`, { id, status: 'failed' })).json()) as { error?: string };
      expect(receipt.error).toBe('ECONNREFUSED');
      expect(await lookUp(id)).toEqual({ id, message_status: 'Invalid', status: true });
    });

    it('is not a send route: faults do not apply to it', async () => {
      await start();
      const id = await sendOne();
      await sim.setFault({ mode: 'status_false' });
      expect(await lookUp(id)).toEqual({ id, message_status: 'Processing', status: true });
      await sim.setFault({ mode: 'http_500' });
      expect(await lookUp(id)).toEqual({ id, message_status: 'Processing', status: true });
      expect(sim.stats()).toMatchObject({ requests: 1, faulted: 0 });
    });
  });

  it('the control API reads a JSON body sent form-encoded (curl -d) or as text/plain; without a content type it says how to send JSON', async () => {
    await start();
    const post = (body: string, headers: Record<string, string>) => fetch(`${sim.url}/__sim/fault`, { method: 'POST', headers, body });
    const form = await post('{"mode":"status_false","reason":"boom"}', { 'content-type': 'application/x-www-form-urlencoded' });
    expect([form.status, await form.json()]).toEqual([200, { fault: { mode: 'status_false', reason: 'boom' } }]);
    const text = await post('{"mode":"http_500"}', { 'content-type': 'text/plain' });
    expect([text.status, await text.json()]).toEqual([200, { fault: { mode: 'http_500' } }]);
    const none = await fetch(`${sim.url}/__sim/fault`, { method: 'POST', body: new Uint8Array(Buffer.from('{"mode":"down"}')) });
    expect(none.status).toBe(415);
    expect(((await none.json()) as { error: string }).error).toMatch(/send the body as JSON with Content-Type: application\/json/);
    const bad = await post('mode=sleepy', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/expected one of[\s\S]*send the body as JSON/);
    expect((await fetch(`${sim.url}/__sim/fault`, { method: 'DELETE' })).status).toBe(200);
  });

  it('DELETE /__sim/messages forgets messages and stats', async () => {
    await start();
    await postForm(`${sim.url}/send`, { target: '6281234567890', message: 'x' }, { Authorization: TOKEN });
    expect(sim.messages()).toHaveLength(1);
    expect((await fetch(`${sim.url}/__sim/messages`, { method: 'DELETE' })).status).toBe(204);
    expect(sim.messages()).toHaveLength(0);
    expect(await (await fetch(`${sim.url}/__sim/stats`)).json()).toEqual({ requests: 0, accepted: 0, rejected: 0, faulted: 0 });
  });
});

// The webhook server over real HTTP, driven by the real provider simulators: a message sent
// through each adapter produces the simulator's receipts, which arrive normalized and in
// order; inbound chats; bad secret / signature → 401; malformed → 400 without a handler call.
import { request as httpRequest } from 'node:http';
import { startAdvantaSim, startFonnteSim, startTwilioSim, startWablasSim, twilioSignature } from '@notify/provider-sim';
import { AdvantaAdapter, FonnteAdapter, TwilioAdapter, WablasAdapter } from '../../src/infrastructure/providers';
import type { InboundMessage, ProviderReceipt } from '../../src/transport/http/webhook-payloads';
import { startWebhookServer, type WebhookServer } from '../../src/transport/http/webhook-server';

const SECRET = 'webhook-secret-for-tests';
const TWILIO_TOKEN = 'twilio-auth-token';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const signal = (): AbortSignal => AbortSignal.timeout(5000);
const fast = { sent: 10, delivered: 20, read: 30 };

let server: WebhookServer;
const receipts: ProviderReceipt[] = [];
const inbound: InboundMessage[] = [];

beforeAll(async () => {
  server = await startWebhookServer({
    host: '127.0.0.1', port: 0, webhookSecret: SECRET, twilioAuthToken: TWILIO_TOKEN, logger: quiet,
    handlers: { onReceipt: (r) => void receipts.push(r), onInbound: (m) => void inbound.push(m) },
  });
});
afterAll(() => server.close());
beforeEach(() => {
  receipts.length = 0;
  inbound.length = 0;
});

const post = (path: string, body: unknown, init: { form?: boolean; headers?: Record<string, string> } = {}) =>
  fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': init.form ? 'application/x-www-form-urlencoded' : 'application/json', ...init.headers },
    body: init.form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body),
  });

describe('gateway webhook server', () => {
  it('Fonnte: a sent message\'s receipts arrive normalized and in order; inbound chats too', async () => {
    const sim = await startFonnteSim({
      port: 0, token: 'ft', webhookUrl: `${server.url}/webhooks/fonnte/status`, webhookSecret: SECRET,
      inboundUrl: `${server.url}/webhooks/fonnte/inbound`, receiptDelaysMs: fast,
    });
    try {
      const out = await new FonnteAdapter({ baseUrl: sim.url, token: 'ft' }).send({ to: '6281234567890', text: 'Halo' }, signal());
      expect(out.kind).toBe('accepted');
      await sim.whenReceiptsIdle();
      const id = out.kind === 'accepted' ? out.providerMessageId : '';
      expect(receipts.map((r) => r.status)).toEqual(['sent', 'delivered', 'read']);
      expect(receipts[0]).toMatchObject({ provider: 'fonnte', providerMessageId: id });
      const stateId = receipts[0]!.stateId;
      expect(stateId).toBeTruthy();
      expect(receipts.slice(1).every((r) => r.stateId === stateId && r.providerMessageId === undefined)).toBe(true);
      expect(sim.webhooks().every((w) => w.httpStatus === 200)).toBe(true);

      await sim.simulateInbound({ from: '6282291921583', text: '1', name: 'Budi' });
      await sim.simulateInbound({ from: '6282291921583', text: 'ok', group: '120363000000000001@g.us' });
      expect(inbound).toEqual([
        { provider: 'fonnte', from: '6282291921583', text: '1', isGroup: false, name: 'Budi', messageId: expect.stringMatching(/^\d+$/) },
        { provider: 'fonnte', from: '6282291921583', text: 'ok', isGroup: true, group: '120363000000000001@g.us', messageId: expect.stringMatching(/^\d+$/) },
      ]);
    } finally {
      await sim.close();
    }
  });

  it('Wablas: receipts (JSON and form) and inbound', async () => {
    for (const trackingEncoding of ['json', 'form'] as const) {
      receipts.length = 0;
      const sim = await startWablasSim({
        port: 0, token: 'wt', secretKey: 'ws', webhookUrl: `${server.url}/webhooks/wablas/status`, webhookSecret: SECRET,
        inboundUrl: `${server.url}/webhooks/wablas/inbound`, receiptDelaysMs: fast, trackingEncoding,
      });
      try {
        const out = await new WablasAdapter({ baseUrl: sim.url, token: 'wt', secretKey: 'ws' }).send({ to: '6281234567890', text: 'Halo' }, signal());
        if (out.kind !== 'accepted') throw new Error(`not accepted: ${out.reason}`);
        await sim.whenReceiptsIdle();
        expect(receipts.map((r) => [r.provider, r.providerMessageId, r.status])).toEqual([
          ['wablas', out.providerMessageId, 'sent'], ['wablas', out.providerMessageId, 'delivered'], ['wablas', out.providerMessageId, 'read'],
        ]);
        if (trackingEncoding === 'json') {
          await sim.simulateInbound({ from: '6282291921583', text: '1' });
          expect(inbound).toEqual([{ provider: 'wablas', from: '6282291921583', text: '1', isGroup: false, messageId: expect.any(String) }]);
        }
      } finally {
        await sim.close();
      }
    }
  });

  it('Twilio: a signed StatusCallback is accepted; a tampered one is 401 and not handled', async () => {
    const sim = await startTwilioSim({ port: 0, accountSid: 'AC123', authToken: TWILIO_TOKEN, receiptDelaysMs: fast });
    try {
      const adapter = new TwilioAdapter({ baseUrl: sim.url, accountSid: 'AC123', authToken: TWILIO_TOKEN, from: '+15005550006' });
      const callback = `${server.url}/webhooks/twilio/status`;
      const out = await adapter.send({ to: '6281234567890', text: 'Halo', statusCallbackUrl: callback }, signal());
      if (out.kind !== 'accepted') throw new Error(`not accepted: ${out.reason}`);
      await sim.whenReceiptsIdle();
      expect(receipts.map((r) => [r.provider, r.providerMessageId, r.status])).toEqual([
        ['twilio', out.providerMessageId, 'sent'], ['twilio', out.providerMessageId, 'delivered'],
      ]);

      const params = { MessageSid: out.providerMessageId, MessageStatus: 'undelivered', ErrorCode: '30003' };
      const good = twilioSignature(TWILIO_TOKEN, callback, params);
      receipts.length = 0;
      const tampered = await post('/webhooks/twilio/status', { ...params, MessageStatus: 'delivered' }, { form: true, headers: { 'x-twilio-signature': good } });
      expect(tampered.status).toBe(401);
      expect((await post('/webhooks/twilio/status', params, { form: true })).status).toBe(401);
      expect(receipts).toEqual([]);
      const ok = await post('/webhooks/twilio/status', params, { form: true, headers: { 'x-twilio-signature': good } });
      expect(ok.status).toBe(200);
      expect(receipts).toMatchObject([{ provider: 'twilio', status: 'failed', error: 'undelivered (30003)' }]);
    } finally {
      await sim.close();
    }
  });

  it('Advanta: DLRs arrive as sent then delivered with the provider timestamp', async () => {
    const sim = await startAdvantaSim({ port: 0, webhookUrl: `${server.url}/webhooks/advanta/dlr`, webhookSecret: SECRET, receiptDelaysMs: fast });
    try {
      const out = await new AdvantaAdapter({ baseUrl: sim.url, apiKey: 'ak', partnerId: '1', shortcode: 'NOTIFY' }).send({ to: '6281234567890', text: 'Halo' }, signal());
      if (out.kind !== 'accepted') throw new Error(`not accepted: ${out.reason}`);
      await sim.whenReceiptsIdle();
      expect(receipts.map((r) => [r.provider, r.providerMessageId, r.status])).toEqual([
        ['advanta', out.providerMessageId, 'sent'], ['advanta', out.providerMessageId, 'delivered'],
      ]);
      // "YYYY-MM-DD HH:mm:ss" in EAT (UTC+3), read back to within a few seconds of now.
      expect(Math.abs(receipts[1]!.at.getTime() - Date.now())).toBeLessThan(10_000);
    } finally {
      await sim.close();
    }
  });

  it('a bad or missing secret is 401 and no handler runs', async () => {
    const body = { id: '1', stateid: 's1', status: 'sent', state: 'sent' };
    expect((await post('/webhooks/fonnte/status?secret=wrong', body)).status).toBe(401);
    expect((await post('/webhooks/fonnte/status', body)).status).toBe(401);
    expect((await post('/webhooks/advanta/dlr?secret=x', { description: 'DeliveredToTerminal', messageid: '9' })).status).toBe(401);
    expect((await post(`/webhooks/fonnte/status?secret=${SECRET}`, body)).status).toBe(200);
    expect(receipts).toHaveLength(1);
  });

  it('the secret is checked before the body is parsed: a bad secret with unparsable JSON is 401, the right one 400', async () => {
    const raw = (query: string, headers: Record<string, string> = {}) =>
      fetch(`${server.url}/webhooks/fonnte/status${query}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{bad' });
    expect((await raw('?secret=wrong')).status).toBe(401);
    expect((await raw('')).status).toBe(401);
    expect((await raw(`?secret=${SECRET}`)).status).toBe(400);
    // Twilio: no signature header at all is 401 before the body matters; a signed bad body is 400.
    const twilio = (headers: Record<string, string>) =>
      fetch(`${server.url}/webhooks/twilio/status`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{bad' });
    expect((await twilio({})).status).toBe(401);
    expect((await twilio({ 'x-twilio-signature': 'c2lnbmF0dXJl' })).status).toBe(400);
    expect(receipts).toEqual([]);
  });

  it('a malformed body is 400 and no handler runs; an unknown message id is still 200', async () => {
    const q = `?secret=${SECRET}`;
    expect((await post(`/webhooks/fonnte/status${q}`, { device: '628', status: 'sent' })).status).toBe(400);
    expect((await post(`/webhooks/wablas/status${q}`, { status: 'sent' })).status).toBe(400);
    expect((await post(`/webhooks/wablas/inbound${q}`, { message: 'no phone' })).status).toBe(400);
    expect((await post(`/webhooks/advanta/dlr${q}`, { messageid: '1' })).status).toBe(400);
    const notJson = await fetch(`${server.url}/webhooks/fonnte/inbound${q}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' });
    expect(notJson.status).toBe(400);
    expect(receipts).toEqual([]);
    expect(inbound).toEqual([]);
    expect((await post(`/webhooks/wablas/status${q}`, { id: 'no-such-message', status: 'delivered' })).status).toBe(200);
    expect(receipts).toMatchObject([{ provider: 'wablas', providerMessageId: 'no-such-message', status: 'delivered' }]);
  });

  it('an unknown path or method is 404 {error:"not_found"}, without repeating the URL and its secret', async () => {
    for (const res of [
      await post(`/webhooks/fonnte/statuz?secret=${SECRET}`, { id: '1' }),
      await fetch(`${server.url}/webhooks/fonnte/status?secret=${SECRET}`),
      await fetch(`${server.url}/nope?secret=${SECRET}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{bad' }),
      await fetch(`${server.url}/nope?secret=${SECRET}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }),
    ]) {
      expect(res.status).toBe(404);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({ error: 'not_found' });
      expect(text).not.toContain(SECRET);
    }
  });

  it('a URL that does not decode (`/webhooks/fonnte/inbound%?secret=…`) is 400 in the server\'s shape, without repeating the URL and its secret', async () => {
    const { port } = new URL(server.url);
    for (const path of [`/webhooks/fonnte/inbound%?secret=${SECRET}`, `/webhooks/%E0%A4%A?secret=${SECRET}`]) {
      const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: Number(port), path, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: body }));
        });
        req.on('error', reject);
        req.end('{}');
      });
      expect(status).toBe(400);
      expect(JSON.parse(text)).toEqual({ error: 'malformed', problems: ['(url): is not a valid URL'] });
      expect(text).not.toContain(SECRET);
    }
    expect(inbound).toEqual([]);
  });

  it('an unreadable body (invalid JSON or form, empty JSON, another content type) is a 4xx in the server\'s own shape and changes nothing', async () => {
    const q = `?secret=${SECRET}`;
    const raw = (path: string, contentType: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });
    const expectBody = async (res: Response, status: number, error: string, problem: RegExp) => {
      expect(res.status).toBe(status);
      const text = await res.text();
      expect(text).not.toContain(SECRET);
      const body = JSON.parse(text) as { error: string; problems: string[] };
      expect(body).toEqual({ error, problems: [expect.stringMatching(problem)] });
    };
    const notJson = /^\(body\): is not valid JSON$/;
    await expectBody(await raw(`/webhooks/fonnte/status${q}`, 'application/json', '{bad'), 400, 'malformed', notJson);
    await expectBody(await raw(`/webhooks/wablas/inbound${q}`, 'application/json; charset=utf-8', '{"phone":'), 400, 'malformed', notJson);
    await expectBody(await raw(`/webhooks/advanta/dlr${q}`, 'application/json', ''), 400, 'malformed', /^\(body\): is empty/);
    await expectBody(await raw('/webhooks/twilio/status', 'application/json', '{bad', { 'x-twilio-signature': 'c2ln' }), 400, 'malformed', notJson);
    // A form body that does not hold the fields is the parser's 400, in the same shape.
    await expectBody(await raw(`/webhooks/wablas/status${q}`, 'application/x-www-form-urlencoded', '%%%&=&status'), 400, 'malformed', /^/);
    await expectBody(await raw(`/webhooks/fonnte/inbound${q}`, 'text/plain', 'sender=628&message=1'), 415, 'unsupported_media_type', /content-type must be application\/json or application\/x-www-form-urlencoded/);
    await expectBody(await raw(`/webhooks/fonnte/inbound${q}`, 'application/xml', '<a/>'), 415, 'unsupported_media_type', /content-type/);
    await expectBody(await raw(`/webhooks/fonnte/status${q}`, 'application/json', JSON.stringify({ pad: 'x'.repeat(300 * 1024) })), 413, 'too_large', /256 KiB/);
    // A field the body lacks is named as required (QA: "sender: Invalid input"); a wrong one keeps zod's words.
    await expectBody(await raw(`/webhooks/fonnte/inbound${q}`, 'application/json', JSON.stringify({ message: '1' })), 400, 'malformed', /^sender: required$/);
    await expectBody(await raw(`/webhooks/fonnte/inbound${q}`, 'application/json', JSON.stringify({ sender: '', message: '1' })), 400, 'malformed', /^sender: required \(empty\)$/);
    await expectBody(await raw(`/webhooks/fonnte/inbound${q}`, 'application/json', JSON.stringify({ sender: ['628'], message: '1' })), 400, 'malformed', /^sender: (?!required)/);
    // The secret still comes first: without it, the same bodies are 401.
    expect((await raw('/webhooks/fonnte/inbound?secret=wrong', 'text/plain', 'x')).status).toBe(401);
    expect((await raw('/webhooks/fonnte/status', 'application/json', '{bad')).status).toBe(401);
    expect(receipts).toEqual([]);
    expect(inbound).toEqual([]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/notify_gateway_webhooks_total\{provider="fonnte",kind="inbound",outcome="malformed"\} [2-9]/);
  });

  it('/healthz is 200 and /metrics counts webhooks by provider, kind and outcome', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    await post('/webhooks/advanta/dlr?secret=nope', { description: 'SentToNetwork', messageid: '1' });
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/notify_gateway_webhooks_total\{provider="advanta",kind="dlr",outcome="unauthorized"\} [1-9]/);
    expect(text).toMatch(/notify_gateway_webhooks_total\{provider="fonnte",kind="status",outcome="accepted"\} [1-9]/);
  });

  it('/readyz follows the readiness it is given (503 naming the failing dependencies), /healthz stays 200; without one it is ready', async () => {
    expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ status: 'ready' });
    let state: { ready: boolean; failing: string[] } = { ready: true, failing: [] };
    const probed = await startWebhookServer({
      host: '127.0.0.1', port: 0, webhookSecret: SECRET, logger: quiet, readiness: () => state,
      handlers: { onReceipt: () => undefined, onInbound: () => undefined },
    });
    try {
      expect((await fetch(`${probed.url}/readyz`)).status).toBe(200);
      state = { ready: false, failing: ['nats', 'postgres'] };
      const res = await fetch(`${probed.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'not_ready', failing: ['nats', 'postgres'] });
      expect((await fetch(`${probed.url}/healthz`)).status).toBe(200);
    } finally {
      await probed.close();
    }
  });

  it('behind a proxy: the signature is checked against WEBHOOK_PUBLIC_URL; a throwing handler answers 500', async () => {
    const publicUrl = 'https://notify.example.id';
    const proxied = await startWebhookServer({
      host: '127.0.0.1', port: 0, webhookSecret: SECRET, twilioAuthToken: TWILIO_TOKEN, publicUrl, logger: quiet,
      handlers: { onReceipt: () => { throw new Error('db down'); }, onInbound: () => undefined },
    });
    try {
      const params = { MessageSid: 'SM9', MessageStatus: 'delivered' };
      const send = (signedUrl: string) =>
        fetch(`${proxied.url}/webhooks/twilio/status?a=1`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(TWILIO_TOKEN, signedUrl, params) },
          body: new URLSearchParams(params).toString(),
        });
      expect((await send(`${proxied.url}/webhooks/twilio/status?a=1`)).status).toBe(401);
      expect((await send(`${publicUrl}/webhooks/twilio/status?a=1`)).status).toBe(500);
    } finally {
      await proxied.close();
    }
  });
});

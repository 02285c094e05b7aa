// The adapters' status look-ups against answers the simulators do not give (their faults act on
// the send routes only): a small HTTP server plays the provider's error answers over real HTTP —
// 429 with Retry-After, 5xx, refused credentials, retry-later codes — and the dated answers.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AdvantaAdapter, FonnteAdapter, ProviderChain, TwilioAdapter } from '../../src/infrastructure/providers';

describe('status look-ups: error answers and dates (real HTTP)', () => {
  let server: Server;
  let base = '';
  /** The next answer: status, JSON body, headers. */
  let answer: { status: number; body: unknown; headers?: Record<string, string> } = { status: 200, body: {} };
  const seen: Array<{ method: string; url: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '' });
      req.resume();
      req.on('end', () => {
        res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.headers ?? {}) });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const signal = () => AbortSignal.timeout(2_000);
  const twilio = () => new TwilioAdapter({ baseUrl: base, accountSid: 'AC1', authToken: 't', from: '+15005550006' });
  const advanta = () => new AdvantaAdapter({ baseUrl: base, apiKey: 'k', partnerId: '1', shortcode: 'NOTIFY' });
  const fonnte = () => new FonnteAdapter({ baseUrl: base, token: 'tok' });

  it('Twilio: 429 with Retry-After, 5xx and 401 are unavailable; 404 is no_status; a delivered resource is dated by date_updated', async () => {
    answer = { status: 429, body: { code: 20429, message: 'Too Many Requests', status: 429 }, headers: { 'retry-after': '7' } };
    await expect(twilio().lookUpStatus('SM1', signal())).resolves.toEqual({ kind: 'unavailable', reason: 'HTTP 429: Too Many Requests', retryAfterMs: 7_000 });
    expect(seen.at(-1)).toEqual({ method: 'GET', url: '/2010-04-01/Accounts/AC1/Messages/SM1.json' });
    answer = { status: 503, body: { code: 20503, message: 'Service Unavailable', status: 503 } };
    await expect(twilio().lookUpStatus('SM1', signal())).resolves.toMatchObject({ kind: 'unavailable' });
    answer = { status: 401, body: { code: 20003, message: 'Authenticate', status: 401 } };
    await expect(twilio().lookUpStatus('SM1', signal())).resolves.toEqual({ kind: 'unavailable', reason: 'HTTP 401: Authenticate' });
    answer = { status: 404, body: { code: 20404, message: 'not found', status: 404 } };
    await expect(twilio().lookUpStatus('SM1', signal())).resolves.toEqual({ kind: 'no_status', reason: 'not found' });
    answer = { status: 200, body: { sid: 'SM1', status: 'undelivered', error_code: 30005, date_updated: 'Mon, 07 Dec 2026 03:04:05 +0000' } };
    await expect(twilio().lookUpStatus('SM1', signal())).resolves.toEqual({ kind: 'status', status: 'failed', error: 'undelivered (30005)', at: new Date('2026-12-07T03:04:05Z') });
    answer = { status: 200, body: { sid: 'SM1', status: 'sending', error_code: null } };
    await expect(twilio().lookUpStatus('SM1', signal())).resolves.toEqual({ kind: 'no_status', reason: 'status sending' });
  });

  it('Advanta: 1009 "No dlr" is no_status; 4090 (retry later) and 1006 (credentials) are unavailable; a DLR is dated by delivery-time (EAT)', async () => {
    answer = { status: 200, body: { 'response-code': 1009, 'response-description': 'No dlr' } };
    await expect(advanta().lookUpStatus('77', signal())).resolves.toEqual({ kind: 'no_status', reason: 'No dlr' });
    answer = { status: 200, body: { 'respose-code': 4090, 'response-description': 'Internal error, retry after 5 minutes' } };
    await expect(advanta().lookUpStatus('77', signal())).resolves.toEqual({ kind: 'unavailable', reason: '4090: Internal error, retry after 5 minutes' });
    answer = { status: 200, body: { 'response-code': 1006, 'response-description': 'Invalid credentials' } };
    await expect(advanta().lookUpStatus('77', signal())).resolves.toMatchObject({ kind: 'unavailable' });
    answer = { status: 200, body: { 'response-code': 200, 'message-id': '77', 'delivery-description': 'DeliveredToTerminal', 'delivery-time': '2026-12-07 11:15:32' } };
    await expect(advanta().lookUpStatus('77', signal())).resolves.toEqual({ kind: 'status', status: 'delivered', at: new Date('2026-12-07T08:15:32Z') });
  });

  it('Fonnte: status:false naming the token or the device is unavailable, an unknown id no_status; 5xx unavailable', async () => {
    answer = { status: 200, body: { reason: 'token invalid', status: false } };
    await expect(fonnte().lookUpStatus('9', signal())).resolves.toEqual({ kind: 'unavailable', reason: 'token invalid' });
    answer = { status: 200, body: { reason: 'message not found', status: false } };
    await expect(fonnte().lookUpStatus('9', signal())).resolves.toEqual({ kind: 'no_status', reason: 'message not found' });
    answer = { status: 502, body: 'bad gateway' };
    await expect(fonnte().lookUpStatus('9', signal())).resolves.toMatchObject({ kind: 'unavailable' });
    answer = { status: 200, body: { id: 9, message_status: 'Expired', status: true } };
    await expect(fonnte().lookUpStatus('9', signal())).resolves.toEqual({ kind: 'status', status: 'failed', error: 'Expired' });
  });

  it('the chain: a look-up answered 429 with Retry-After pauses the provider (sends too); while paused it is not asked', async () => {
    const chain = new ProviderChain('sms', [twilio()], { timeoutMs: 2_000 });
    try {
      answer = { status: 429, body: { code: 20429, message: 'Too Many Requests', status: 429 }, headers: { 'retry-after': '30' } };
      await expect(chain.lookUpStatus('twilio', 'SM1')).resolves.toMatchObject({ kind: 'unavailable', retryAfterMs: 30_000 });
      expect(chain.providers()[0]!.pausedUntil).not.toBeNull();
      const before = seen.length;
      await expect(chain.lookUpStatus('twilio', 'SM2')).resolves.toEqual({ kind: 'unavailable', reason: 'twilio: asked to wait (Retry-After)' });
      expect(seen.length).toBe(before);
    } finally {
      chain.close();
    }
  });
});

// ProviderChain against real simulators over HTTP: failover on definite failures, no failover on
// an ambiguous timeout or a bad message, the circuit breaker opening (no HTTP request reaches the
// provider) and closing after recovery, this gateway's own pacing (never a failure, never a
// failover), and the SMS chain Twilio → Advanta.
import {
  startAdvantaSim,
  startFonnteSim,
  startTwilioSim,
  startWablasSim,
  type AdvantaSimHandle,
  type FonnteSimHandle,
  type TwilioSimHandle,
  type WablasSimHandle,
} from '@notify/provider-sim';
import { loadGatewayConfig } from '../../src/config';
import { AdvantaAdapter, FonnteAdapter, ProviderChain, TwilioAdapter, WablasAdapter, buildProviderChains, type ProviderChainOptions } from '../../src/infrastructure/providers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const msg = { to: '6281234567890', text: 'Teknisi kami menuju lokasi Anda.' };

describe('ProviderChain (WhatsApp: Fonnte → Wablas)', () => {
  let fonnte: FonnteSimHandle;
  let wablas: WablasSimHandle;
  let chain: ProviderChain | undefined;

  const makeChain = (options: ProviderChainOptions = {}): ProviderChain => {
    chain = new ProviderChain(
      'whatsapp',
      [new FonnteAdapter({ baseUrl: fonnte.url, token: 'ft' }), new WablasAdapter({ baseUrl: wablas.url, token: 'wt', secretKey: 'ws' })],
      { timeoutMs: 2000, ...options },
    );
    return chain;
  };
  const goDown = async (): Promise<void> => {
    await fonnte.setFault({ mode: 'down' });
    await sleep(50); // pooled keep-alive sockets see the close (see adapters spec)
  };

  beforeAll(async () => {
    fonnte = await startFonnteSim({ port: 0, token: 'ft', receiptDelaysMs: false });
    wablas = await startWablasSim({ port: 0, token: 'wt', secretKey: 'ws', receiptDelaysMs: false });
  });
  afterEach(async () => {
    chain?.close();
    chain = undefined;
    await fonnte.clearFault();
    await wablas.clearFault();
    fonnte.reset();
    wablas.reset();
  });
  afterAll(async () => {
    await fonnte.close();
    await wablas.close();
  });

  it('sends through Fonnte when it is healthy', async () => {
    const r = await makeChain().send(msg);
    expect(r.outcome).toMatchObject({ kind: 'accepted', providerMessageId: fonnte.messages()[0]?.id });
    expect(r.provider).toBe('fonnte');
    expect(r.attempts.map((a) => a.result)).toEqual(['accepted']);
    expect(wablas.messages()).toHaveLength(0);
  });

  it("the gateway's own pacing (FONNTE_RATE_PER_SECOND) is no provider failure: no failover, the breaker stays closed, the timeout measures the HTTP call only", async () => {
    const chains = buildProviderChains(loadGatewayConfig({
      NOTIFY_API_KEYS: 'test-admin-key-000001:admin', FONNTE_TOKEN: 'ft', WABLAS_TOKEN: 'wt', WABLAS_SECRET_KEY: 'ws',
      FONNTE_BASE_URL: fonnte.url, WABLAS_BASE_URL: wablas.url, FONNTE_RATE_PER_SECOND: '4', PROVIDER_TIMEOUT_MS: '300',
      BREAKER_VOLUME_THRESHOLD: '2', BREAKER_ERROR_THRESHOLD_PERCENTAGE: '50',
    }), { info: () => undefined, warn: () => undefined });
    chain = chains.whatsapp!;
    // 8 at once at 4/s: the last one's slot is 1.75 s away, far past the 300 ms timeout.
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => chain!.send({ ...msg, to: `62812345678${i}0` })));
    expect(results.map((r) => r.provider)).toEqual(Array(8).fill('fonnte'));
    expect(results.flatMap((r) => r.attempts.map((a) => a.result))).toEqual(Array(8).fill('accepted'));
    for (const r of results) expect(r.attempts[0]!.latencyMs).toBeLessThan(300); // the wait for the slot is not the call's
    expect(wablas.messages()).toHaveLength(0);
    expect(chain.providers().map((p) => [p.name, p.state, p.lastError])).toEqual([['fonnte', 'closed', null], ['wablas', 'closed', null]]);
    // Paced: the 8 requests spread over ~1.75 s.
    const times = fonnte.messages().map((m) => Date.parse(m.at)).sort((a, b) => a - b);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(1600);
    chains.sms?.close();
  });

  it('Fonnte down → the same message goes through Wablas, once', async () => {
    const c = makeChain();
    await goDown();
    const r = await c.send(msg);
    expect(r.provider).toBe('wablas');
    expect(r.outcome).toMatchObject({ kind: 'accepted', providerMessageId: wablas.messages()[0]?.id });
    expect(r.attempts.map((a) => [a.provider, a.result])).toEqual([
      ['fonnte', 'connection_error'],
      ['wablas', 'accepted'],
    ]);
    await fonnte.clearFault();
    expect(fonnte.messages()).toHaveLength(0);
    expect(wablas.messages()).toEqual([expect.objectContaining({ to: msg.to, text: msg.text })]);
  });

  it('Fonnte status:false "request invalid on disconnected device" → Wablas', async () => {
    await fonnte.setFault({ mode: 'status_false', reason: 'request invalid on disconnected device' });
    const r = await makeChain().send(msg);
    expect(r.provider).toBe('wablas');
    expect(r.attempts[0]).toMatchObject({ provider: 'fonnte', result: 'failed_retryable', error: 'request invalid on disconnected device' });
    expect(fonnte.messages()).toHaveLength(0);
    expect(wablas.messages()).toHaveLength(1);
  });

  it('Fonnte slower than the timeout → ambiguous, no failover', async () => {
    await fonnte.setFault({ mode: 'slow', delay_ms: 1500 });
    const r = await makeChain({ timeoutMs: 300 }).send(msg);
    expect(r.outcome.kind).toBe('ambiguous');
    expect(r.provider).toBe('fonnte');
    expect(r.attempts.map((a) => a.result)).toEqual(['timeout']);
    expect(r.attempts[0]?.latencyMs).toBeGreaterThanOrEqual(250);
    expect(wablas.stats().requests).toBe(0);
    // Fonnte did queue it: a second provider would have delivered a duplicate.
    expect(fonnte.messages()).toHaveLength(1);
  });

  it('a message every provider would refuse stops at the first (no failover)', async () => {
    const r = await makeChain().send({ to: 'bukan-nomor', text: 'x' });
    expect(r.outcome).toMatchObject({ kind: 'failed', retryable: false, fault: 'message', reason: 'target invalid' });
    expect(r.attempts).toHaveLength(1);
    expect(wablas.stats().requests).toBe(0);
  });

  it('opens the breaker after the configured failures, skips Fonnte without a request, closes after recovery', async () => {
    const c = makeChain({ volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeout: 400 });
    const recovered: string[] = [];
    c.onRecovered((provider) => recovered.push(provider));
    await fonnte.setFault({ mode: 'http_500' });
    for (let i = 0; i < 3; i++) {
      const r = await c.send(msg);
      expect(r.attempts.map((a) => a.result)).toEqual(['failed_retryable', 'accepted']);
    }
    expect(c.providers()[0]).toMatchObject({ name: 'fonnte', state: 'open', successRate: 0, recentAttempts: 3 });
    const fonnteRequests = fonnte.stats().requests;
    expect(fonnteRequests).toBe(3);

    const skipped = await c.send(msg);
    expect(skipped.attempts.map((a) => [a.provider, a.result])).toEqual([
      ['fonnte', 'breaker_open'],
      ['wablas', 'accepted'],
    ]);
    expect(fonnte.stats().requests).toBe(fonnteRequests);
    expect(wablas.messages()).toHaveLength(4);

    await fonnte.clearFault();
    await sleep(500);
    expect(c.providers()[0]?.state).toBe('half-open');
    const trial = await c.send(msg);
    expect(trial.provider).toBe('fonnte');
    expect(trial.outcome.kind).toBe('accepted');
    // The closing is told once (the gateway then makes the channel's failed deliveries due).
    expect(recovered).toEqual(['fonnte']);
    const [f, w] = c.providers();
    expect(f).toMatchObject({ state: 'closed', successRate: 0.25, recentAttempts: 4 });
    expect(f?.meanLatencyMs).toEqual(expect.any(Number));
    expect(w).toMatchObject({ name: 'wablas', state: 'closed', successRate: 1, recentAttempts: 4 });
  });

  it('a breaker that fails its half-open trial opens again', async () => {
    const c = makeChain({ volumeThreshold: 1, errorThresholdPercentage: 50, resetTimeout: 200 });
    await fonnte.setFault({ mode: 'http_500' });
    await c.send(msg);
    expect(c.providers()[0]?.state).toBe('open');
    await sleep(300);
    expect(c.providers()[0]?.state).toBe('half-open');
    const recovered: string[] = [];
    c.onRecovered((provider) => recovered.push(provider));
    const r = await c.send(msg);
    expect(r.attempts.map((a) => a.result)).toEqual(['failed_retryable', 'accepted']);
    expect(c.providers()[0]?.state).toBe('open');
    expect(recovered).toEqual([]); // not back
  });

  it('repeated timeouts open the breaker; later messages then fail over definitely', async () => {
    const c = makeChain({ timeoutMs: 150, volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeout: 10_000 });
    await fonnte.setFault({ mode: 'slow', delay_ms: 600 });
    expect((await c.send(msg)).outcome.kind).toBe('ambiguous');
    expect((await c.send(msg)).outcome.kind).toBe('ambiguous');
    expect(wablas.stats().requests).toBe(0);
    expect(c.providers()[0]?.state).toBe('open');
    const r = await c.send(msg);
    expect(r.attempts.map((a) => [a.provider, a.result])).toEqual([
      ['fonnte', 'breaker_open'],
      ['wablas', 'accepted'],
    ]);
    expect(fonnte.stats().requests).toBe(2);
  });

  it("the caller's signal aborting mid-request is ambiguous too (no failover)", async () => {
    await fonnte.setFault({ mode: 'slow', delay_ms: 600 });
    const r = await makeChain().send(msg, AbortSignal.timeout(100));
    expect(r.outcome.kind).toBe('ambiguous');
    expect(wablas.stats().requests).toBe(0);
  });

  it('both providers down → a retryable failure, nothing sent', async () => {
    const c = makeChain();
    await goDown();
    await wablas.setFault({ mode: 'http_500' });
    const r = await c.send(msg);
    expect(r.outcome).toMatchObject({ kind: 'failed', retryable: true });
    expect(r.attempts.map((a) => a.result)).toEqual(['connection_error', 'failed_retryable']);
    // Neither answering at all: the reason says what each did (QA: a bare "no provider available").
    await wablas.setFault({ mode: 'down' });
    await sleep(50);
    const none = await c.send(msg);
    expect(none.attempts.map((a) => a.result)).toEqual(['connection_error', 'connection_error']);
    expect(none.outcome).toMatchObject({ kind: 'failed', retryable: true, reason: expect.stringMatching(/^no provider available \(fonnte: .+; wablas: .+\)$/) });
    await wablas.clearFault();
    await fonnte.clearFault();
    expect(fonnte.messages()).toHaveLength(0);
    expect(wablas.messages()).toHaveLength(0);
  });
});

describe('ProviderChain (SMS: Twilio → Advanta)', () => {
  let twilio: TwilioSimHandle;
  let advanta: AdvantaSimHandle;
  const sid = 'AC0123456789abcdef0123456789abcdef';
  beforeAll(async () => {
    twilio = await startTwilioSim({ port: 0, accountSid: sid, authToken: 'tt', receiptDelaysMs: false });
    advanta = await startAdvantaSim({ port: 0, apiKey: 'ak', partnerId: '77', receiptDelaysMs: false });
  });
  afterAll(async () => {
    await twilio.close();
    await advanta.close();
  });

  it('Twilio answering 5xx → the same message goes through Advanta, once', async () => {
    const chain = new ProviderChain(
      'sms',
      [
        new TwilioAdapter({ baseUrl: twilio.url, accountSid: sid, authToken: 'tt', from: '+15005550006' }),
        new AdvantaAdapter({ baseUrl: advanta.url, apiKey: 'ak', partnerId: '77', shortcode: 'NOTIFY' }),
      ],
      { timeoutMs: 2000 },
    );
    try {
      await twilio.setFault({ mode: 'http_500' });
      const r = await chain.send({ to: '254712345678', text: 'Kode 1234' });
      expect(r.provider).toBe('advanta');
      expect(r.outcome).toMatchObject({ kind: 'accepted', providerMessageId: advanta.messages()[0]?.id });
      expect(r.attempts[0]).toMatchObject({ provider: 'twilio', result: 'failed_retryable', outcome: { httpStatus: 500 } });
      expect(twilio.messages()).toHaveLength(0);
      expect(advanta.messages()).toEqual([expect.objectContaining({ to: '254712345678', text: 'Kode 1234' })]);
    } finally {
      chain.close();
      await twilio.clearFault();
    }
  });

  it("Twilio's 429 Retry-After pauses it: Advanta meanwhile, Twilio not called until the time has come", async () => {
    const chain = new ProviderChain(
      'sms',
      [
        new TwilioAdapter({ baseUrl: twilio.url, accountSid: sid, authToken: 'tt', from: '+15005550006' }),
        new AdvantaAdapter({ baseUrl: advanta.url, apiKey: 'ak', partnerId: '77', shortcode: 'NOTIFY' }),
      ],
      { timeoutMs: 2000, volumeThreshold: 100 },
    );
    twilio.reset();
    advanta.reset();
    try {
      await twilio.setFault({ mode: 'status_false', code: 20429, retry_after_s: 2, times: 1 });
      const first = await chain.send({ to: '254712345678', text: 'satu' });
      expect(first.provider).toBe('advanta');
      expect(first.attempts.map((a) => [a.provider, a.result])).toEqual([['twilio', 'failed_retryable'], ['advanta', 'accepted']]);
      const paused = chain.providers().find((p) => p.name === 'twilio')!.pausedUntil;
      expect(paused!.getTime() - Date.now()).toBeGreaterThan(1_000);
      expect(paused!.getTime() - Date.now()).toBeLessThanOrEqual(2_000);
      // The fault has cleared itself (times: 1): a call to Twilio now would be accepted and recorded.
      const second = await chain.send({ to: '254712345678', text: 'dua' });
      expect(second.attempts.map((a) => [a.provider, a.result])).toEqual([['twilio', 'rate_limited'], ['advanta', 'accepted']]);
      expect(second.attempts[0]).toMatchObject({ latencyMs: 0, error: expect.stringContaining('Retry-After') });
      expect(twilio.messages()).toHaveLength(0);
      await sleep(2_100);
      const third = await chain.send({ to: '254712345678', text: 'tiga' });
      expect(third.attempts.map((a) => [a.provider, a.result])).toEqual([['twilio', 'accepted']]);
      expect(twilio.messages().map((m) => m.text)).toEqual(['tiga']);
      expect(advanta.messages().map((m) => m.text)).toEqual(['satu', 'dua']);
      expect(chain.providers().find((p) => p.name === 'twilio')!.pausedUntil).toBeNull();
    } finally {
      chain.close();
      await twilio.clearFault();
    }
  });

  it('every provider asking to wait → a retryable failure carrying the shortest wait; one that did not → none', async () => {
    const twilioOnly = new ProviderChain('sms', [new TwilioAdapter({ baseUrl: twilio.url, accountSid: sid, authToken: 'tt', from: '+15005550006' })], { timeoutMs: 2000 });
    const withAdvanta = new ProviderChain(
      'sms',
      [
        new TwilioAdapter({ baseUrl: twilio.url, accountSid: sid, authToken: 'tt', from: '+15005550006' }),
        new AdvantaAdapter({ baseUrl: advanta.url, apiKey: 'ak', partnerId: '77', shortcode: 'NOTIFY' }),
      ],
      { timeoutMs: 2000 },
    );
    twilio.reset();
    try {
      await twilio.setFault({ mode: 'status_false', code: 20429, retry_after_s: 30 });
      const r = await twilioOnly.send({ to: '254712345678', text: 'x' });
      expect(r.outcome).toMatchObject({ kind: 'failed', retryable: true, httpStatus: 429, retryAfterMs: 30_000 });
      const again = await twilioOnly.send({ to: '254712345678', text: 'x' });
      expect(again.attempts.map((a) => a.result)).toEqual(['rate_limited']);
      expect(again.outcome).toMatchObject({ kind: 'failed', retryable: true, reason: expect.stringContaining('Retry-After') });
      expect((again.outcome as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(28_000);
      expect((again.outcome as { retryAfterMs: number }).retryAfterMs).toBeLessThanOrEqual(30_000);

      await advanta.setFault({ mode: 'http_500' });
      const mixed = await withAdvanta.send({ to: '254712345678', text: 'x' });
      expect(mixed.attempts.map((a) => [a.provider, a.result])).toEqual([['twilio', 'failed_retryable'], ['advanta', 'failed_retryable']]);
      expect(mixed.outcome).toMatchObject({ kind: 'failed', retryable: true });
      expect(mixed.outcome).not.toHaveProperty('retryAfterMs');
      expect(twilio.messages()).toHaveLength(0);
    } finally {
      twilioOnly.close();
      withAdvanta.close();
      await twilio.clearFault();
      await advanta.clearFault();
    }
  });
});

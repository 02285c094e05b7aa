// Each provider adapter against its simulator over real HTTP: the exact request the simulator
// recorded, accepted ids, status:false / error codes with their retryable classification, and
// the thrown connection error when the provider is down.
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
import { waitFor } from '@notify/testing';
import {
  AdvantaAdapter,
  FonnteAdapter,
  ProviderConnectionError,
  ProviderTimeoutError,
  TwilioAdapter,
  WablasAdapter,
} from '../../src/infrastructure/providers';

const signal = (): AbortSignal => AbortSignal.timeout(5000);

describe('FonnteAdapter', () => {
  let sim: FonnteSimHandle;
  let adapter: FonnteAdapter;
  beforeAll(async () => {
    sim = await startFonnteSim({ port: 0, token: 'fonnte-token', receiptDelaysMs: false });
    adapter = new FonnteAdapter({ baseUrl: sim.url, token: 'fonnte-token' });
  });
  afterEach(async () => {
    await sim.clearFault();
    sim.reset();
  });
  afterAll(() => sim.close());

  it('sends a normalised number with countryCode=0 and returns the provider id', async () => {
    const out = await adapter.send({ to: '6281234567890', text: 'Tiket #T-1 dibuat' }, signal());
    const [m] = sim.messages();
    expect(out).toMatchObject({ kind: 'accepted', providerMessageId: m?.id });
    expect(m).toMatchObject({ to: '6281234567890', text: 'Tiket #T-1 dibuat', countryCode: '0', targetType: 'phone' });
  });

  it('sends a group id in target', async () => {
    const out = await adapter.send({ to: '120363012345678901@g.us', text: 'grup', isGroup: true }, signal());
    expect(out.kind).toBe('accepted');
    expect(sim.messages()[0]).toMatchObject({ to: '120363012345678901@g.us', targetType: 'group' });
  });

  it('classifies status:false: disconnected device retryable, invalid target permanent, wrong token provider fault', async () => {
    await sim.setFault({ mode: 'status_false', reason: 'request invalid on disconnected device' });
    expect(await adapter.send({ to: '6281234567890', text: 'x' }, signal())).toMatchObject({
      kind: 'failed',
      retryable: true,
      reason: 'request invalid on disconnected device',
      httpStatus: 200,
    });
    await sim.clearFault();
    expect(await adapter.send({ to: 'not-a-number', text: 'x' }, signal())).toMatchObject({ kind: 'failed', retryable: false, fault: 'message', reason: 'target invalid' });
    const wrong = new FonnteAdapter({ baseUrl: sim.url, token: 'nope' });
    expect(await wrong.send({ to: '6281234567890', text: 'x' }, signal())).toMatchObject({ kind: 'failed', retryable: false, fault: 'provider' });
    expect(sim.messages()).toHaveLength(0);
  });

  it('HTTP 500 is a retryable failure; down throws ProviderConnectionError; slow throws ProviderTimeoutError', async () => {
    await sim.setFault({ mode: 'http_500' });
    expect(await adapter.send({ to: '6281234567890', text: 'x' }, signal())).toMatchObject({ kind: 'failed', retryable: true, httpStatus: 500 });
    await sim.setFault({ mode: 'down' });
    // Let the client's pooled keep-alive socket see the close first: a POST on a socket the
    // server closed at that instant is reported as ambiguous (UND_ERR_SOCKET), by design.
    await new Promise((r) => setTimeout(r, 50));
    await expect(adapter.send({ to: '6281234567890', text: 'x' }, signal())).rejects.toBeInstanceOf(ProviderConnectionError);
    await sim.setFault({ mode: 'slow', delay_ms: 1500 });
    await expect(adapter.send({ to: '6281234567890', text: 'x' }, AbortSignal.timeout(400))).rejects.toBeInstanceOf(ProviderTimeoutError);
    // The slow provider did accept it: that is why a timeout is ambiguous. (On a loaded
    // machine its handler may run a moment after the caller gave up: wait for it briefly.)
    await waitFor(() => sim.messages().length === 1, { timeoutMs: 3000, description: 'the slow simulator to record the message' });
    expect(sim.messages()).toHaveLength(1);
  });
});

describe('WablasAdapter', () => {
  let sim: WablasSimHandle;
  let adapter: WablasAdapter;
  beforeAll(async () => {
    sim = await startWablasSim({ port: 0, token: 'wtoken', secretKey: 'wsecret', receiptDelaysMs: false });
    adapter = new WablasAdapter({ baseUrl: sim.url, token: 'wtoken', secretKey: 'wsecret' });
  });
  afterEach(async () => {
    await sim.clearFault();
    sim.reset();
  });
  afterAll(() => sim.close());

  it('sends phone / message with token.secret and returns data.messages[0].id', async () => {
    const out = await adapter.send({ to: '6281234567890', text: 'Halo' }, signal());
    const [m] = sim.messages();
    expect(out).toMatchObject({ kind: 'accepted', providerMessageId: m?.id });
    expect(m).toMatchObject({ to: '6281234567890', text: 'Halo', isGroup: false, api: 'v1' });
  });

  it('sends isGroup=true for a group', async () => {
    expect((await adapter.send({ to: '120363012345678901@g.us', text: 'g', isGroup: true }, signal())).kind).toBe('accepted');
    expect(sim.messages()[0]).toMatchObject({ to: '120363012345678901@g.us', isGroup: true });
  });

  it('classifies status:false bodies', async () => {
    await sim.setFault({ mode: 'status_false' });
    expect(await adapter.send({ to: '6281234567890', text: 'x' }, signal())).toMatchObject({ kind: 'failed', retryable: true, fault: 'provider' });
    await sim.clearFault();
    const wrong = new WablasAdapter({ baseUrl: sim.url, token: 'wtoken', secretKey: 'bad' });
    expect(await wrong.send({ to: '6281234567890', text: 'x' }, signal())).toMatchObject({ kind: 'failed', retryable: false, fault: 'provider', reason: 'secret key invalid' });
    expect(await adapter.send({ to: '6281234567890', text: '' }, signal())).toMatchObject({ kind: 'failed', retryable: false, fault: 'message' });
  });
});

describe('TwilioAdapter', () => {
  let sim: TwilioSimHandle;
  let adapter: TwilioAdapter;
  const sid = 'AC0123456789abcdef0123456789abcdef';
  beforeAll(async () => {
    sim = await startTwilioSim({ port: 0, accountSid: sid, authToken: 'tw-token', receiptDelaysMs: false });
    adapter = new TwilioAdapter({ baseUrl: sim.url, accountSid: sid, authToken: 'tw-token', from: '+15005550006' });
  });
  afterEach(async () => {
    await sim.clearFault();
    sim.reset();
  });
  afterAll(() => sim.close());

  it('posts To=+digits, From, Body, StatusCallback with Basic auth; 201 sid is the id', async () => {
    const out = await adapter.send({ to: '6281234567890', text: 'SMS', statusCallbackUrl: 'http://127.0.0.1:9/webhooks/twilio/status' }, signal());
    const [m] = sim.messages();
    expect(out).toMatchObject({ kind: 'accepted', providerMessageId: m?.id });
    expect(m?.id).toMatch(/^SM/);
    expect(m).toMatchObject({ to: '+6281234567890', text: 'SMS', from: '+15005550006', statusCallback: 'http://127.0.0.1:9/webhooks/twilio/status', accountSid: sid });
  });

  it('classifies error codes: 21211 permanent, 20429 retryable, 20003 provider fault', async () => {
    expect(await adapter.send({ to: '12', text: 'x' }, signal())).toMatchObject({ kind: 'failed', retryable: false, fault: 'message', code: '21211', httpStatus: 400 });
    await sim.setFault({ mode: 'status_false', code: 20429 });
    expect(await adapter.send({ to: '6281234567890', text: 'x' }, signal())).toMatchObject({ kind: 'failed', retryable: true, httpStatus: 429, retryAfterMs: 1_000 });
    await sim.setFault({ mode: 'status_false', code: 20429, retry_after_s: 45 });
    expect(await adapter.send({ to: '6281234567890', text: 'x' }, signal())).toMatchObject({ kind: 'failed', retryable: true, httpStatus: 429, retryAfterMs: 45_000 });
    await sim.setFault({ mode: 'http_500' });
    expect(await adapter.send({ to: '6281234567890', text: 'x' }, signal())).not.toHaveProperty('retryAfterMs');
    await sim.clearFault();
    const wrong = new TwilioAdapter({ baseUrl: sim.url, accountSid: sid, authToken: 'bad', from: '+15005550006' });
    expect(await wrong.send({ to: '6281234567890', text: 'x' }, signal())).toMatchObject({ kind: 'failed', retryable: false, fault: 'provider', code: '20003', httpStatus: 401 });
  });
});

describe('AdvantaAdapter', () => {
  let sim: AdvantaSimHandle;
  let adapter: AdvantaAdapter;
  beforeAll(async () => {
    sim = await startAdvantaSim({ port: 0, apiKey: 'akey', partnerId: '1234', shortcodes: ['NOTIFY'], receiptDelaysMs: false });
    adapter = new AdvantaAdapter({ baseUrl: sim.url, apiKey: 'akey', partnerId: '1234', shortcode: 'NOTIFY' });
  });
  afterEach(async () => {
    await sim.clearFault();
    sim.reset();
  });
  afterAll(() => sim.close());

  it('posts sendsms JSON and reads the messageid', async () => {
    const out = await adapter.send({ to: '254712345678', text: 'Hello' }, signal());
    const [m] = sim.messages();
    expect(out).toMatchObject({ kind: 'accepted', providerMessageId: m?.id });
    expect(m).toMatchObject({ to: '254712345678', text: 'Hello', shortcode: 'NOTIFY', partnerId: '1234' });
  });

  it.each(['correct', 'typo'] as const)('reads the %s response-code key', async (responseCodeKey) => {
    const s = await startAdvantaSim({ port: 0, responseCodeKey, receiptDelaysMs: false });
    try {
      const a = new AdvantaAdapter({ baseUrl: s.url, apiKey: 'k', partnerId: '1', shortcode: 'X' });
      expect((await a.send({ to: '254712345678', text: 'x' }, signal())).kind).toBe('accepted');
      expect(await a.send({ to: '254712345678', text: 'x' }, signal())).toMatchObject({ kind: 'accepted' });
    } finally {
      await s.close();
    }
  });

  it('classifies codes: 1006 credentials provider fault, 1001 sender id, 1005 fault retryable', async () => {
    const wrong = new AdvantaAdapter({ baseUrl: sim.url, apiKey: 'bad', partnerId: '1234', shortcode: 'NOTIFY' });
    expect(await wrong.send({ to: '254712345678', text: 'x' }, signal())).toMatchObject({ kind: 'failed', retryable: false, fault: 'provider', code: '1006' });
    await sim.setFault({ mode: 'status_false' });
    expect(await adapter.send({ to: '254712345678', text: 'x' }, signal())).toMatchObject({ kind: 'failed', retryable: true, code: '1005' });
    expect(sim.messages()).toHaveLength(0);
  });
});

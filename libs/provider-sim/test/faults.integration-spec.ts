import { waitFor } from '@notify/testing';
import {
  startAdvantaSim,
  startFonnteSim,
  startTwilioSim,
  startWablasSim,
  type SimHandle,
  type SimMessage,
} from '../src';
import { postForm, postJson } from './webhook-recorder';

/** A valid send for each provider, the provider's failure answers for the fault modes. */
interface Case {
  name: string;
  start(): Promise<SimHandle<SimMessage>>;
  send(sim: SimHandle<SimMessage>, signal?: AbortSignal): Promise<Response>;
  /** Expected answer to a valid send under `status_false` with reason "boom" (code 1004 for Advanta). */
  statusFalse: { status: number; body: unknown };
  /** Expected `http_500` body for reason "boom". */
  http500Body: unknown;
  okStatus: number;
}

const TWILIO_SID = 'AC11111111111111111111111111111111';

const cases: Case[] = [
  {
    name: 'fonnte',
    start: () => startFonnteSim({ port: 0, token: 't', receiptDelaysMs: false }),
    send: (sim, signal) => postForm(`${sim.url}/send`, { target: '6281234567890', message: 'x', countryCode: '0' }, { Authorization: 't' }, signal),
    statusFalse: { status: 200, body: { reason: 'boom', requestid: expect.any(Number), status: false } },
    http500Body: { reason: 'boom', status: false },
    okStatus: 200,
  },
  {
    name: 'wablas',
    start: () => startWablasSim({ port: 0, token: 't', secretKey: 's', receiptDelaysMs: false }),
    send: (sim, signal) => postForm(`${sim.url}/api/send-message`, { phone: '6281234567890', message: 'x' }, { Authorization: 't.s' }, signal),
    statusFalse: { status: 200, body: { status: false, message: 'boom' } },
    http500Body: { status: false, message: 'boom' },
    okStatus: 200,
  },
  {
    name: 'twilio',
    start: () => startTwilioSim({ port: 0, accountSid: TWILIO_SID, authToken: 'tok', receiptDelaysMs: false }),
    send: (sim, signal) =>
      postForm(
        `${sim.url}/2010-04-01/Accounts/${TWILIO_SID}/Messages.json`,
        { To: '+6281234567890', From: '+15005550006', Body: 'x' },
        { Authorization: `Basic ${Buffer.from(`${TWILIO_SID}:tok`).toString('base64')}` },
        signal,
      ),
    statusFalse: { status: 400, body: { code: 21610, message: 'boom', more_info: 'https://www.twilio.com/docs/errors/21610', status: 400 } },
    http500Body: { code: 20500, message: 'boom', more_info: 'https://www.twilio.com/docs/errors/20500', status: 500 },
    okStatus: 201,
  },
  {
    name: 'advanta',
    start: () => startAdvantaSim({ port: 0, apiKey: 'k', partnerId: 'p', receiptDelaysMs: false }),
    send: (sim, signal) => postJson(`${sim.url}/api/services/sendsms/`, { apikey: 'k', partnerID: 'p', shortcode: 'S', message: 'x', mobile: '254712345678' }, {}, signal),
    statusFalse: { status: 200, body: { 'response-code': 1004, 'respose-code': 1004, 'response-description': 'boom' } },
    http500Body: { 'response-code': 4090, 'respose-code': 4090, 'response-description': 'boom' },
    okStatus: 200,
  },
];

/** The low-level error code behind a rejected fetch. */
async function fetchErrorCode(p: Promise<Response>): Promise<string> {
  try {
    const res = await p;
    return `answered ${res.status}`;
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string } };
    return e.cause?.code ?? e.name ?? 'unknown';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


describe.each(cases)('faults on the $name simulator', (c) => {
  let sim: SimHandle<SimMessage>;
  beforeEach(async () => {
    sim = await c.start();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('down: really stops listening (ECONNREFUSED); another fault or clearFault brings the same port back', async () => {
    const port = sim.port;
    await sim.setFault({ mode: 'down' });
    expect(await fetchErrorCode(c.send(sim))).toBe('ECONNREFUSED');
    expect(await fetchErrorCode(fetch(`${sim.url}/__sim/messages`))).toBe('ECONNREFUSED');
    await sim.setFault({ mode: 'http_500' });
    expect((await c.send(sim)).status).toBe(500);
    await sim.clearFault();
    expect(sim.port).toBe(port);
    expect((await c.send(sim)).status).toBe(c.okStatus);
    expect(sim.messages()).toHaveLength(1);
  });

  it('down over HTTP with duration_ms: answers the control call, refuses, then recovers by itself', async () => {
    const res = await postJson(`${sim.url}/__sim/fault`, { mode: 'down', duration_ms: 400 });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ fault: { mode: 'down', duration_ms: 400 } });
    expect(await fetchErrorCode(c.send(sim))).toBe('ECONNREFUSED');
    await sleep(600);
    expect((await c.send(sim)).status).toBe(c.okStatus);
    expect(sim.currentFault()).toBeNull();
  });

  it('down with refuse:false: the send socket is destroyed without an answer, the control API still works', async () => {
    await postJson(`${sim.url}/__sim/fault`, { mode: 'down', refuse: false });
    expect(['UND_ERR_SOCKET', 'ECONNRESET']).toContain(await fetchErrorCode(c.send(sim)));
    expect(await (await fetch(`${sim.url}/__sim/messages`)).json()).toEqual([]);
    expect((await fetch(`${sim.url}/__sim/fault`, { method: 'DELETE' })).status).toBe(200);
    expect((await c.send(sim)).status).toBe(c.okStatus);
    expect(sim.stats()).toMatchObject({ requests: 2, faulted: 1, accepted: 1 });
  });

  it('http_500: HTTP 500 with the provider error body, nothing recorded', async () => {
    await postJson(`${sim.url}/__sim/fault`, { mode: 'http_500', reason: 'boom' });
    const res = await c.send(sim);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual(c.http500Body);
    expect(sim.messages()).toHaveLength(0);
  });

  it('slow: a caller with a shorter timeout gives up, yet the message was accepted (ambiguous)', async () => {
    await sim.setFault({ mode: 'slow', delay_ms: 1500 });
    expect(await fetchErrorCode(c.send(sim, AbortSignal.timeout(400)))).toBe('TimeoutError');
    // The caller gave up; the simulator still took the message (on a loaded CI machine its
    // handler may run a moment after the caller's timeout fired, so wait for it briefly).
    await waitFor(() => sim.messages().length === 1, { timeoutMs: 3000, description: 'the simulator to record the message the caller gave up on' });
    expect(sim.messages()).toHaveLength(1);
    const t0 = Date.now();
    const res = await c.send(sim);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1450);
    expect(res.status).toBe(c.okStatus);
    expect(sim.messages()).toHaveLength(2);
  });

  it('status_false: the provider’s business failure answer carrying the reason, nothing recorded', async () => {
    await postJson(`${sim.url}/__sim/fault`, { mode: 'status_false', reason: 'boom', ...(c.name === 'advanta' ? { code: 1004 } : {}) });
    const res = await c.send(sim);
    expect(res.status).toBe(c.statusFalse.status);
    expect(await res.json()).toEqual(c.statusFalse.body);
    expect(sim.messages()).toHaveLength(0);
  });

  it('times: the fault hits only the next N sends, then clears itself', async () => {
    await sim.setFault({ mode: 'http_500', times: 1 });
    expect((await c.send(sim)).status).toBe(500);
    expect((await c.send(sim)).status).toBe(c.okStatus);
    expect(await (await fetch(`${sim.url}/__sim/fault`)).json()).toEqual({ fault: null });
  });

  it('rejects an unknown fault mode with 400', async () => {
    const res = await postJson(`${sim.url}/__sim/fault`, { mode: 'explode' });
    expect(res.status).toBe(400);
    expect(sim.currentFault()).toBeNull();
  });
});

describe('status_false default reasons', () => {
  it('Fonnte says "request invalid on disconnected device", Wablas "device disconnected, need to scan qr code again"', async () => {
    const fonnte = await startFonnteSim({ port: 0, receiptDelaysMs: false });
    const wablas = await startWablasSim({ port: 0, receiptDelaysMs: false });
    try {
      await fonnte.setFault({ mode: 'status_false' });
      await wablas.setFault({ mode: 'status_false' });
      const f = await postForm(`${fonnte.url}/send`, { target: '6281234567890', message: 'x' }, { Authorization: 'a' });
      expect(await f.json()).toMatchObject({ reason: 'request invalid on disconnected device', status: false });
      const w = await postForm(`${wablas.url}/api/send-message`, { phone: '6281234567890', message: 'x' }, { Authorization: 'a' });
      expect(await w.json()).toEqual({ status: false, message: 'device disconnected, need to scan qr code again' });
    } finally {
      await fonnte.close();
      await wablas.close();
    }
  });
});

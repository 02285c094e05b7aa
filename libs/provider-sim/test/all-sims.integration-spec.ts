import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { startAllSims, type AllSims } from '../src';
import { WebhookRecorder, postForm, postJson } from './webhook-recorder';

describe('startAllSims', () => {
  let sims: AllSims | undefined;
  let recorder: WebhookRecorder;
  beforeEach(async () => {
    recorder = await new WebhookRecorder().start();
  });
  afterEach(async () => {
    await sims?.close();
    sims = undefined;
    await recorder.close();
  });

  it('starts the four simulators and derives the gateway webhook URLs from webhookBaseUrl', async () => {
    sims = await startAllSims({
      webhookBaseUrl: `${recorder.url}/`,
      webhookSecret: 'shh',
      receiptDelaysMs: { sent: 0, delivered: null, read: null },
      fonnte: { port: 0 },
      wablas: { port: 0 },
      twilio: { port: 0 },
      advanta: { port: 0 },
    });
    expect(new Set(sims.all().map((s) => s.port)).size).toBe(4);
    await postForm(`${sims.fonnte.url}/send`, { target: '6281234567890', message: 'x' }, { Authorization: 'any' });
    await postForm(`${sims.wablas.url}/api/send-message`, { phone: '6281234567890', message: 'x' }, { Authorization: 'any' });
    await postJson(`${sims.advanta.url}/api/services/sendsms/`, { apikey: 'k', partnerID: 'p', shortcode: 'S', message: 'x', mobile: '254712345678' });
    await postJson(`${sims.fonnte.url}/__sim/inbound`, { from: '6282291921583', text: '1' });
    await recorder.waitFor(4);
    expect(recorder.requests.map((r) => r.path).sort()).toEqual(
      [
        '/webhooks/advanta/dlr?secret=shh',
        '/webhooks/fonnte/inbound?secret=shh',
        '/webhooks/fonnte/status?secret=shh',
        '/webhooks/wablas/status?secret=shh',
      ].sort(),
    );
    await sims.fonnte.setFault({ mode: 'down' });
    await sims.resetAll();
    expect(sims.all().map((s) => [s.currentFault(), s.messages().length])).toEqual(Array(4).fill([null, 0]));
    expect((await postForm(`${sims.fonnte.url}/send`, { target: '6281234567890', message: 'x' }, { Authorization: 'any' })).status).toBe(200);
  });

  it('closes what it started when one port is taken', async () => {
    const taken = await startAllSims({ fonnte: { port: 0 }, wablas: { port: 0 }, twilio: { port: 0 }, advanta: { port: 0 }, receiptDelaysMs: false });
    try {
      await expect(
        startAllSims({ fonnte: { port: 0 }, wablas: { port: 0 }, twilio: { port: taken.twilio.port }, advanta: { port: 0 }, receiptDelaysMs: false }),
      ).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await taken.close();
    }
  });
});

describe('bin/provider-sim.js', () => {
  it('runs the four simulators from the environment and stops on SIGTERM', async () => {
    const bin = path.resolve(__dirname, '..', 'bin', 'provider-sim.js');
    const child = spawn(process.execPath, [bin], {
      env: {
        PATH: process.env['PATH'] ?? '',
        FONNTE_SIM_PORT: '0',
        WABLAS_SIM_PORT: '0',
        TWILIO_SIM_PORT: '0',
        ADVANTA_SIM_PORT: '0',
        SIM_WEBHOOK_BASE_URL: 'off',
        FONNTE_TOKEN: 'fonnte-secret-token',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const lines = createInterface({ input: child.stdout! });
      let listening: Record<string, string> | undefined;
      const logged: Array<Record<string, unknown>> = [];
      for await (const line of lines) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logged.push(entry);
        if (entry['msg'] === 'provider-sim: simulators listening') {
          listening = entry as Record<string, string>;
          break;
        }
      }
      expect(listening).toBeDefined();
      const warning = logged.find((l) => String(l['msg']).includes('credentials not set'));
      expect(warning?.['unset']).toEqual(expect.arrayContaining(['WABLAS_TOKEN', 'TWILIO_AUTH_TOKEN']));
      expect(warning?.['unset']).not.toContain('FONNTE_TOKEN');
      expect(JSON.stringify(logged)).not.toContain('fonnte-secret-token');

      const bad = await postForm(`${listening!['fonnte']}/send`, { target: '6281234567890', message: 'x' }, { Authorization: 'wrong' });
      expect(await bad.json()).toMatchObject({ status: false, reason: 'invalid token' });
      const good = await postForm(`${listening!['fonnte']}/send`, { target: '6281234567890', message: 'x' }, { Authorization: 'fonnte-secret-token' });
      expect(await good.json()).toMatchObject({ status: true });
      for (const name of ['wablas', 'twilio', 'advanta']) {
        expect((await fetch(`${listening![name]}/__sim/messages`)).status).toBe(200);
      }
      // All four `down` for a while: the process waits for them to come back (QA: it exited silently).
      for (const name of ['fonnte', 'wablas', 'twilio', 'advanta']) {
        const res = await fetch(`${listening![name]}/__sim/fault`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'down', duration_ms: 700 }) });
        expect(res.status).toBe(200);
      }
      await new Promise((r) => setTimeout(r, 1500));
      expect(child.exitCode).toBeNull();
      for (const name of ['fonnte', 'wablas', 'twilio', 'advanta']) {
        expect((await fetch(`${listening![name]}/__sim/fault`)).status).toBe(200);
      }
    } finally {
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    }
  });
});

// Provider pacing and crash safety: with Fonnte paced at 2 messages a second and a backlog, the
// gateway must not hold rows SENDING (leased, "possibly sent" after a crash) while they only wait
// for a pacing slot. The gateway runs as a real child process (as in crash-safety), is SIGKILLed
// in the middle of the backlog and restarted in process: the rows its lease sweep then marks DEAD
// (ambiguous) must be rows Fonnte really received (at most one row whose slot was less than the
// pacing horizon away may not be), every other row is sent after the restart, each phone once.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client } from 'pg';
import { callUnary, createClient } from '@notify/grpc-kit';
import { commonv1, gatewayv1 } from '@notify/proto';
import { checkHealth, waitFor } from '@notify/testing';
import { LEASE_EXPIRED_ERROR } from '../../src/infrastructure/persistence/delivery.store';
import { ADMIN_KEY, freePort, startStack, type Stack } from '../support/gateway-stack';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../../../..');
const PACED = { FONNTE_RATE_PER_SECOND: '2', DISPATCH_WORKERS: '16', DISPATCH_BATCH_SIZE: '16', DISPATCH_LEASE_MS: '1500', DISPATCH_POLL_MS: '100', PROVIDER_TIMEOUT_MS: '300' };

describe('paced provider, gateway killed in the middle of a backlog', () => {
  let stack: Stack;
  let child: ChildProcess | undefined;
  let pg: Client;
  let output = '';

  beforeAll(async () => {
    stack = await startStack('gw_pacecrash', PACED, { startGateway: false });
    pg = new Client({ connectionString: stack.gatewaySchema.url });
    await pg.connect();
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await pg?.end();
    await stack?.stop();
  }, 60_000);

  it('holds only the rows the pacer can start soon SENDING; after the kill only rows really sent are taken as possibly sent', async () => {
    try {
      await scenario();
    } catch (err) {
      console.log(`child gateway output (tail):\n${output.slice(-4000)}`);
      throw err;
    }
  });

  async function scenario(): Promise<void> {
    let grpcPort = await freePort();
    while (grpcPort === stack.webhookPort) grpcPort = await freePort();
    child = spawn(process.execPath, ['-r', './tools/runtime/swc-register.js', 'services/gateway/src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...stack.gatewayEnv, GRPC_PORT: String(grpcPort), LOG_LEVEL: 'info', NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    await waitFor(async () => (await fetch(`http://127.0.0.1:${stack.webhookPort}/healthz`).catch(() => null))?.ok, { timeoutMs: 45_000, intervalMs: 200, description: 'the child gateway to listen' });
    await waitFor(async () => (await checkHealth(`127.0.0.1:${grpcPort}`).catch(() => '')) === 'SERVING', { timeoutMs: 45_000, intervalMs: 200, description: "the child gateway's gRPC server" });

    const phones = Array.from({ length: 12 }, (_, i) => `628139${String(Date.now() % 1e5).padStart(5, '0')}${String(i).padStart(2, '0')}`);
    const client = createClient(gatewayv1.NotificationServiceClient, `127.0.0.1:${grpcPort}`, { apiKey: ADMIN_KEY, deadlineMs: 30_000 });
    const res = await callUnary(client, 'notify', gatewayv1.NotifyRequest.fromPartial({
      idempotencyKey: `pace-crash:${randomUUID()}`,
      notificationType: commonv1.NotificationType.NOTIFICATION_TYPE_WELCOME,
      target: { $case: 'recipients', value: { addressees: phones.map((p) => ({ addressee: { $case: 'phone' as const, value: p } })) } },
      variables: { customer_name: 'Siti', customer_id: 'CUST-9', package_name: 'Home 50 Mbps', activated_at: '2026-11-22T09:00:00+07:00', support_phone: '6281100000000' },
    }));
    (client as unknown as { close(): void }).close();
    expect(res.deliveries).toHaveLength(12);
    const ids = res.deliveries.map((d) => d.id);

    // While the backlog drains at 2/s: how many rows are SENDING at once (1 in a call + at most 1 whose slot is < 250 ms away).
    const sendingNow = async () =>
      Number((await pg.query<{ n: string }>(`SELECT count(*) AS n FROM "${stack.gatewaySchema.schema}".deliveries WHERE id = ANY($1::uuid[]) AND status = 'SENDING'`, [ids])).rows[0]!.n);
    const received = () => new Set([...stack.sims.fonnte.messages(), ...stack.sims.wablas.messages()].map((m) => m.to));
    let maxSending = 0;
    const deadline = Date.now() + 15_000;
    while (received().size < 4 && Date.now() < deadline) {
      maxSending = Math.max(maxSending, await sendingNow());
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    const sentBeforeKill = received();
    expect(maxSending).toBeLessThanOrEqual(2);

    // Restart in process (same schema, same pacing): leases expire, the rest is sent.
    const gw = await stack.restartGateway(PACED);
    const settled = await waitFor(async () => {
      const all = await Promise.all(ids.map((id) => gw.store.delivery(id)));
      return all.every((d) => d && !['QUEUED', 'SENDING'].includes(d.status)) ? all.map((d) => d!) : null;
    }, { timeoutMs: 30_000, intervalMs: 100, description: 'every delivery to be settled after the restart' });
    const ambiguous = settled.filter((d) => d.status === 'DEAD' && d.lastError === LEASE_EXPIRED_ERROR);
    const neverSent = ambiguous.filter((d) => !sentBeforeKill.has(d.recipient));
    expect(neverSent.length).toBeLessThanOrEqual(1);
    for (const d of settled.filter((x) => !ambiguous.includes(x))) expect(['SENT', 'DELIVERED', 'READ']).toContain(d.status);
    // Each phone reached Fonnte at most once (an ambiguous row is not re-sent), all but the never-sent ones exactly once.
    const counts = new Map<string, number>();
    for (const m of stack.sims.fonnte.messages()) counts.set(m.to, (counts.get(m.to) ?? 0) + 1);
    expect(phones.filter((p) => (counts.get(p) ?? 0) > 1)).toEqual([]);
    expect(phones.filter((p) => !counts.has(p))).toEqual(neverSent.map((d) => d.recipient));
    expect(stack.sims.wablas.messages().filter((m) => phones.includes(m.to))).toEqual([]);
  }
});
